using System.Runtime.InteropServices;

namespace Lcd.Interop;

/// <summary>The few libc calls the daemon makes itself (everything about containers goes through LibContainer).</summary>
internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int ChownRaw(string path, uint owner, uint group);

    public static void Chown(string path, uint owner, uint group)
    {
        if (ChownRaw(path, owner, group) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"chown({path}, {owner}, {group}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }
}
