using LibContainer.Init;
using LibContainer.Interop;
using LibContainer.Processes;
using LibContainer.Logging;
using LibContainer.Spec;
using LibContainer.State;
using Tmds.Linux;

namespace LibContainer;

internal sealed partial class Container
{
    /// <summary>
    /// start: open the exec fifo for reading. The init, blocked opening it for writing, wakes, writes
    /// "0", runs the startContainer hooks and execs the user's program, which closes its end (it is
    /// close-on-exec): reading to the end means the program runs. A step that fails after the "0"
    /// writes "E" and its report instead, and Start throws the error naming that step.
    /// </summary>
    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        using (IDisposable? held = await _dir.LockAsync(cancellationToken).ConfigureAwait(false))
        {
            // RunAsync's container had its fifo's reader from create: its program may have run, even
            // ended, already; the fifo still tells how its start went.
            using SafeFd? early = Interlocked.Exchange(ref _startReader, null);
            ContainerStatus status = held is null ? ContainerStatus.Stopped : early is not null ? ContainerStatus.Created : Status;
            if (status != ContainerStatus.Created)
            {
                throw new InvalidOperationException($"Container '{Id}' is {status}; Start needs Created.");
            }
            using SafeFd? opened = early is null ? Sys.Open(_dir.FifoPath, LibC.O_RDONLY | LibC.O_NONBLOCK) : null;
            SafeFd fifo = early ?? opened!;
            CrashPoint.Hit("start.open");
            byte[] first = await ReadFifoAsync(fifo, 1, cancellationToken).ConfigureAwait(false);
            if (first.Length != 1)
            {
                throw new ContainerException($"Container '{Id}' could not be started: its init has exited ({await Init.Exited.ConfigureAwait(false)}).");
            }
            CrashPoint.Hit("start.byte");
            File.Delete(_dir.FifoPath);
            CrashPoint.Hit("start.unlink");
            byte[] report = await ReadFifoAsync(fifo, 13, cancellationToken).ConfigureAwait(false);
            if (report.Length > 0 && report[0] == (byte)'E')
            {
                throw StartFailure(report);
            }
        }
        _logger.ContainerStarted(Id, Init.Pid);
        await RunHooksLoggingFailuresAsync(_summary.Hooks?.Poststart, "hooks.poststart", "running", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The init's report of a step that failed after the fifo, as the exception create would have thrown.</summary>
    private ContainerStartException StartFailure(byte[] report)
    {
        int step = report.Length >= 5 ? BitConverter.ToInt32(report, 1) : -1;
        int errno = report.Length >= 9 ? BitConverter.ToInt32(report, 5) : 0;
        int detail = report.Length >= 13 ? BitConverter.ToInt32(report, 9) : 0;
        try
        {
            // The plan is the same one create compiled (its cgroup joins too, which number the steps):
            // steps after the fifo do not depend on options.
            InitPlan plan = Compile(Config, new ContainerOptions { BundlePath = Bundle }, Id, _cgroups?.Join).Plan;
            return InitSession.Failure(Id, plan, step, errno, detail);
        }
        catch (ArgumentException)
        {
            return new ContainerStartException(Id, step, $"step {step}", errno, null);
        }
    }

    /// <summary>Runs hooks whose failure the spec says to log and go on from (poststart, poststop).</summary>
    private async Task RunHooksLoggingFailuresAsync(List<Hook>? hooks, string field, string status, CancellationToken cancellationToken)
    {
        for (int i = 0; i < (hooks?.Count ?? 0); i++)
        {
            try
            {
                // "pid (int, REQUIRED when status is created or running on Linux)": a stopped container's is gone (and
                // may be another process's by now), so poststop gets none, as from runc and crun.
                int pid = status == "stopped" ? 0 : Init.Pid;
                await HookRunner.RunAsync(hooks![i], $"{field}[{i}]", OciState(Id, status, pid, Bundle, Config), cancellationToken).ConfigureAwait(false);
            }
            catch (ContainerException ex)
            {
                _logger.HookFailed(ex, Id, $"{field}[{i}]");
            }
        }
    }

    /// <summary>
    /// Reads up to <paramref name="count"/> bytes from the fifo, until that many arrived or the
    /// writer is gone. EAGAIN says the fifo has a writer: the kernel counts the init as one from the
    /// moment it calls open, even while that open waits for a reader, and its exec or its death then
    /// ends the file with a hang-up. Before the init calls open there is no writer (read gives 0):
    /// then wait for data, or for the init to exit, since a reader that never saw a writer gets no
    /// hang-up. Waits that have a writer may block the thread first (SynchronousWaitLimit).
    /// </summary>
    private async Task<byte[]> ReadFifoAsync(SafeFd fifo, int count, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[count];
        int have = 0;
        bool writerSeen = count > 1; // the second read starts after the init's byte: its writer exists
        while (have < count)
        {
            int n = Sys.Read(fifo, buffer.AsSpan(have));
            if (n > 0)
            {
                have += n;
                writerSeen = true;
                continue;
            }
            if (n < 0 && -n != LibC.EAGAIN)
            {
                throw new SyscallException("read", -n, _dir.FifoPath);
            }
            if (n < 0)
            {
                writerSeen = true; // EAGAIN: the fifo has a writer (without one, read gives 0)
            }
            if (n == 0 && writerSeen)
            {
                break; // end of file: the init has exec'd (or died)
            }
            if (writerSeen)
            {
                // The init holds the write end (close-on-exec): its exec or its death ends the file, so
                // the fifo alone says when; no watch of its exit (a pidfd and a thread-pool hop) is needed.
                await FdPoller.WaitBlockingFirstAsync(fifo, write: false, _synchronousWait, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (Init.Exited.IsCompleted)
            {
                int last = Sys.Read(fifo, buffer.AsSpan(have));
                have += Math.Max(last, 0);
                if (last <= 0)
                {
                    break;
                }
                continue;
            }
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task readable = FdPoller.Shared.WaitAsync(fifo, write: false, stop.Token).AsTask();
            if (await Task.WhenAny(readable, Init.Exited).ConfigureAwait(false) != readable)
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }
            try
            {
                await readable.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }
        return buffer[..have];
    }
}
