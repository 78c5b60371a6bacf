using System.Runtime.InteropServices;

namespace Lcd.Tests.Interop;

internal static partial class Signals
{
    public const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillRaw(int pid, int signal);

    public static void Kill(int pid, int signal)
    {
        if (KillRaw(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
