using Tmds.Linux;

namespace LibContainer.Interop;

/// <summary>
/// A stream over one end of a pipe. The fd is non-blocking; async reads and writes wait on
/// <see cref="FdPoller"/>, so a container's stdio costs no blocked thread.
/// </summary>
internal sealed class FdStream : Stream
{
    private readonly SafeFd _fd;
    private readonly bool _canRead;
    private readonly bool _canWrite;
    private readonly bool _terminal;

    /// <summary>One end of a pipe: written to when <paramref name="write"/>, else read from.</summary>
    public FdStream(SafeFd fd, bool write)
        : this(fd, canRead: !write, canWrite: write, terminal: false)
    {
    }

    private FdStream(SafeFd fd, bool canRead, bool canWrite, bool terminal)
    {
        Sys.SetNonBlocking(fd);
        _fd = fd;
        _canRead = canRead;
        _canWrite = canWrite;
        _terminal = terminal;
    }

    /// <summary>A pty master: read and written; EIO (every peer closed) reads as the end of the stream.</summary>
    public static FdStream Terminal(SafeFd master) => new(master, canRead: true, canWrite: true, terminal: true);

    internal SafeFd Handle => _fd;

    public override bool CanRead => _canRead;

    public override bool CanWrite => _canWrite;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_canRead)
        {
            throw new NotSupportedException();
        }
        while (true)
        {
            int n = Sys.Read(_fd, buffer.Span);
            if (n >= 0)
            {
                return n;
            }
            if (_terminal && -n == LibC.EIO)
            {
                return 0;
            }
            if (-n != LibC.EAGAIN)
            {
                throw new IOException($"read from container pipe failed: {SyscallException.Describe(-n)}");
            }
            await FdPoller.Shared.WaitAsync(_fd, write: false, cancellationToken).ConfigureAwait(false);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_canWrite)
        {
            throw new NotSupportedException();
        }
        while (!buffer.IsEmpty)
        {
            int n = Sys.Write(_fd, buffer.Span);
            if (n >= 0)
            {
                buffer = buffer[n..];
                continue;
            }
            if (-n != LibC.EAGAIN)
            {
                throw new IOException($"write to container pipe failed: {SyscallException.Describe(-n)}");
            }
            await FdPoller.Shared.WaitAsync(_fd, write: true, cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            int n = Sys.Read(_fd, buffer);
            if (n >= 0)
            {
                return n;
            }
            if (_terminal && -n == LibC.EIO)
            {
                return 0;
            }
            if (-n != LibC.EAGAIN)
            {
                throw new IOException($"read from container pipe failed: {SyscallException.Describe(-n)}");
            }
            _ = Sys.Poll(_fd, write: false, timeoutMs: -1);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = Sys.Write(_fd, buffer);
            if (n >= 0)
            {
                buffer = buffer[n..];
                continue;
            }
            if (-n != LibC.EAGAIN)
            {
                throw new IOException($"write to container pipe failed: {SyscallException.Describe(-n)}");
            }
            _ = Sys.Poll(_fd, write: true, timeoutMs: -1);
        }
    }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _fd.Dispose();
        }
        base.Dispose(disposing);
    }
}
