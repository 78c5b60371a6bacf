using System.Runtime.InteropServices;

namespace Lcd.Tests.Interop;

internal static partial class Signals
{
    public const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillRaw(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount2(string target, int flags);

    /// <summary>Lazy unmount (MNT_DETACH), for cleaning up after a failed test.</summary>
    public static void Unmount(string target) => _ = Umount2(target, 2);

    public static void Kill(int pid, int signal)
    {
        if (KillRaw(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
