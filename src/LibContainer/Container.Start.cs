using LibContainer.Interop;
using LibContainer.Logging;
using LibContainer.State;
using Tmds.Linux;

namespace LibContainer;

internal sealed partial class Container
{
    /// <summary>
    /// start: open the exec fifo for reading. The init, blocked opening it for writing, wakes, writes
    /// one byte and execs the user's program; reading that byte means it has passed the fifo.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        using (IDisposable? held = await _dir.LockAsync(cancellationToken).ConfigureAwait(false))
        {
            ContainerStatus status = held is null ? ContainerStatus.Stopped : Status;
            if (status != ContainerStatus.Created)
            {
                throw new InvalidOperationException($"Container '{Id}' is {status}; Start needs Created.");
            }
            using SafeFd fifo = Sys.Open(_dir.FifoPath, LibC.O_RDONLY | LibC.O_NONBLOCK);
            await ReadStartByteAsync(fifo, cancellationToken).ConfigureAwait(false);
            File.Delete(_dir.FifoPath);
        }
        _logger.ContainerStarted(Id, Init.Pid);
    }

    /// <summary>
    /// Reads the init's byte from the fifo. Until the init's open returns, a read finds no writer
    /// (0) or no data (EAGAIN): wait for data, or for the init to exit, which ends the wait (a
    /// reader that never saw a writer gets no hang-up from the kernel).
    /// </summary>
    private async Task ReadStartByteAsync(SafeFd fifo, CancellationToken cancellationToken)
    {
        byte[] one = new byte[1];
        while (true)
        {
            int n = Sys.Read(fifo, one);
            if (n == 1)
            {
                return;
            }
            if (n < 0 && -n != LibC.EAGAIN)
            {
                throw new SyscallException("read", -n, _dir.FifoPath);
            }
            if (Init.Exited.IsCompleted)
            {
                if (Sys.Read(fifo, one) == 1)
                {
                    return; // it passed the fifo and has already finished
                }
                throw new ContainerException($"Container '{Id}' could not be started: its init has exited ({await Init.Exited.ConfigureAwait(false)}).");
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
    }
}
