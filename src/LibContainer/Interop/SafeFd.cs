using Microsoft.Win32.SafeHandles;
using Tmds.Linux;

namespace LibContainer.Interop;

/// <summary>An owned file descriptor. Every fd the library opens is close-on-exec.</summary>
internal sealed class SafeFd : SafeHandleMinusOneIsInvalid // fd 0 is valid
{
    public SafeFd() : base(ownsHandle: true) { }

    public SafeFd(int fd) : this() => SetHandle(fd);

    private SafeFd(int fd, bool ownsHandle) : base(ownsHandle) => SetHandle(fd);

    /// <summary>An fd this process has but does not own (such as its own stdio): never closed.</summary>
    public static SafeFd Borrow(int fd) => new(fd, ownsHandle: false);

    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => LibC.close((int)handle) == 0;
}
