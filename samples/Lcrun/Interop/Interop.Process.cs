using System.Runtime.InteropServices;

namespace Lcrun.Interop;

/// <summary>Process-level calls: leave at once, and who we are.</summary>
internal static partial class ProcessCalls
{
    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void _exit(int status);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "getegid")]
    public static partial uint GetEgid();

    /// <summary>
    /// Ends the process now, without the runtime's shutdown: what a detached exec needs, so that
    /// nothing in this process reaps the child whose exit status belongs to our parent (containerd's
    /// shim, a subreaper) after we are gone.
    /// </summary>
    public static void ExitNow(int code)
    {
        _exit(code); // lcrun's output is unbuffered (StdStreams): nothing to flush
    }
}
