using System.Runtime.InteropServices;

namespace LibContainer.Interop;

internal static unsafe partial class Sys
{
    [LibraryImport("libc", EntryPoint = "pthread_create")]
    private static partial int pthread_create(nint* thread, nint attr, delegate* unmanaged<nint, nint> start, nint arg);

    [LibraryImport("libc", EntryPoint = "pthread_detach")]
    private static partial int pthread_detach(nint thread);

    /// <summary>
    /// Starts a detached native thread at <paramref name="start"/> (an [UnmanagedCallersOnly]
    /// method, which must catch everything) and returns at once. Unlike Thread.Start, the caller
    /// does not wait (spinning in sched_yield) until the new thread has run: on a busy machine that
    /// wait is the scheduler's queue. The runtime attaches the thread when it enters managed code.
    /// </summary>
    internal static void StartNativeThread(delegate* unmanaged<nint, nint> start, nint arg)
    {
        nint thread;
        int rc = pthread_create(&thread, 0, start, arg);
        if (rc != 0)
        {
            throw new SyscallException("pthread_create", rc);
        }
        _ = pthread_detach(thread);
    }
}
