using System.Collections.Concurrent;
using Tmds.Linux;

namespace LibContainer.Interop;

/// <summary>
/// One epoll loop for the whole process: waits for pidfds to signal exit and for non-blocking pipes
/// to become ready, so no thread blocks per container. One thread, started on first use, living as
/// long as the process (so the epoll fd is never closed).
/// </summary>
internal sealed class FdPoller
{
    private static readonly Lazy<FdPoller> s_shared = new(() => new FdPoller());
    private readonly int _epoll;
    private readonly ConcurrentDictionary<ulong, Waiter> _waiters = new();
    private long _nextKey;

    private FdPoller()
    {
        _epoll = LibC.epoll_create1(LibC.EPOLL_CLOEXEC);
        SyscallException.ThrowIfFailed(_epoll, "epoll_create1");
        var thread = new Thread(Loop) { IsBackground = true, Name = "LibContainer fd poller" };
        thread.UnsafeStart();
    }

    public static FdPoller Shared => s_shared.Value;

    /// <summary>
    /// Blocks the calling thread in poll(2) for up to <paramref name="blockFirst"/> and, if
    /// <paramref name="fd"/> is not ready by then, waits as <see cref="WaitAsync"/> does (see
    /// <see cref="ContainerFactoryOptions.SynchronousWaitLimit"/>). A wait that ends in the blocking
    /// part touches neither the poller's thread nor the thread pool.
    /// </summary>
    public static ValueTask WaitBlockingFirstAsync(SafeFd fd, bool write, TimeSpan blockFirst, CancellationToken cancellationToken)
    {
        if (blockFirst > TimeSpan.Zero)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int rc = Sys.Poll(fd, write, blockFirst);
            if (rc > 0)
            {
                return ValueTask.CompletedTask;
            }
            if (rc < 0)
            {
                throw new SyscallException("poll", -rc);
            }
        }
        return Shared.WaitAsync(fd, write, cancellationToken);
    }

    /// <summary>Completes when <paramref name="fd"/> is readable (or writable), has hung up, or failed.</summary>
    public async ValueTask WaitAsync(SafeFd fd, bool write, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ulong key = (ulong)Interlocked.Increment(ref _nextKey);
        var waiter = new Waiter(fd);
        _waiters[key] = waiter;
        bool added = false;
        fd.DangerousAddRef(ref added);
        try
        {
            int rc = Control(LibC.EPOLL_CTL_ADD, fd.Fd, (write ? LibC.EPOLLOUT : LibC.EPOLLIN) | LibC.EPOLLONESHOT, key);
            if (rc < 0)
            {
                int errno = Sys.Errno;
                _waiters.TryRemove(key, out _);
                throw new SyscallException("epoll_ctl", errno);
            }
            using (cancellationToken.UnsafeRegister(static (state, token) =>
                ((Waiter)state!).Completion.TrySetCanceled(token), waiter))
            {
                await waiter.Completion.Task.ConfigureAwait(false);
            }
        }
        finally
        {
            if (_waiters.TryRemove(key, out _))
            {
                // Cancelled before it fired: take it out of the set before the fd may be closed.
                _ = Control(LibC.EPOLL_CTL_DEL, fd.Fd, 0, 0);
            }
            if (added)
            {
                fd.DangerousRelease();
            }
        }
    }

    private unsafe int Control(int op, int fd, int events, ulong key)
    {
        epoll_event ev = default;
        ev.events = events;
        ev.data.u64 = key;
        return LibC.epoll_ctl(_epoll, op, fd, &ev);
    }

    private unsafe void Loop()
    {
        const int MaxEvents = 64;
        epoll_event* events = stackalloc epoll_event[MaxEvents];
        while (true)
        {
            int n = LibC.epoll_wait(_epoll, events, MaxEvents, -1);
            for (int i = 0; i < n; i++)
            {
                if (_waiters.TryRemove(events[i].data.u64, out Waiter? waiter))
                {
                    _ = Control(LibC.EPOLL_CTL_DEL, waiter.Fd.Fd, 0, 0);
                    waiter.Completion.TrySetResult();
                }
            }
        }
    }

    private sealed class Waiter(SafeFd fd)
    {
        public SafeFd Fd { get; } = fd;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
