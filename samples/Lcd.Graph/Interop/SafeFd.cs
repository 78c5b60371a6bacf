using Microsoft.Win32.SafeHandles;

namespace Lcd.Graph.Interop;

/// <summary>An owned file descriptor (fd 0 is valid).</summary>
internal sealed class SafeFd : SafeHandleMinusOneIsInvalid
{
    public SafeFd() : base(ownsHandle: true) { }

    public SafeFd(int fd) : this() => SetHandle(fd);

    public int Fd => (int)handle;

    protected override bool ReleaseHandle()
    {
        Native.CloseFd((int)handle);
        return true;
    }
}
