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
            using var reader = new FdStream(fifo, write: false);
            byte[] one = new byte[1];
            Task<int> read = reader.ReadAsync(one, cancellationToken).AsTask();
            Task done = await Task.WhenAny(read, Init.Exited).ConfigureAwait(false);
            if (done != read || await read.ConfigureAwait(false) != 1)
            {
                throw new ContainerException($"Container '{Id}' could not be started: its init has exited ({await Init.Exited.ConfigureAwait(false)}).");
            }
            File.Delete(_dir.FifoPath);
        }
        _logger.ContainerStarted(Id, Init.Pid);
    }
}
