using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Lcd.Graph;

/// <summary>
/// Reads its inner stream (a decompressor) on a thread of its own, a few buffers ahead of the
/// reader, as <c>tar -xz</c> runs gzip in a second process: inflating overlaps the unpack's file
/// system calls. The inner stream's error is thrown by the Read that reaches it; disposing stops
/// the thread and disposes the inner stream.
/// </summary>
internal sealed class ReadAheadStream : ReadOnlyStream
{
    private const int BufferSize = 1 << 17, Depth = 4;
    private readonly Stream _inner;
    private readonly Channel<(byte[] Buffer, int Count)> _filled = Channel.CreateBounded<(byte[], int)>(
        new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _pump;
    private ExceptionDispatchInfo? _error;
    private byte[]? _current;
    private int _offset, _count;

    public ReadAheadStream(Stream inner)
    {
        _inner = inner;
        _pump = new Thread(Pump) { IsBackground = true, Name = "lcd-graph read-ahead" };
        _pump.Start();
    }

    private void Pump()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                int n = _inner.Read(buffer, 0, BufferSize);
                if (n == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }
                if (!_filled.Writer.TryWrite((buffer, n)))
                {
                    _filled.Writer.WriteAsync((buffer, n), _stop.Token).AsTask().GetAwaiter().GetResult();
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _error = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            _filled.Writer.TryComplete();
        }
    }

    public override int Read(Span<byte> buffer)
    {
        if (_current is null)
        {
            (byte[] Buffer, int Count) next;
            while (!_filled.Reader.TryRead(out next))
            {
                if (!_filled.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                {
                    _error?.Throw();
                    return 0;
                }
            }
            (_current, _offset, _count) = (next.Buffer, 0, next.Count);
        }
        int n = Math.Min(buffer.Length, _count - _offset);
        _current.AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        if (_offset == _count)
        {
            ArrayPool<byte>.Shared.Return(_current);
            _current = null;
        }
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Cancel();
            while (_filled.Reader.TryRead(out (byte[] Buffer, int Count) item))
            {
                ArrayPool<byte>.Shared.Return(item.Buffer); // frees a pump waiting for room
            }
            _pump.Join();
            while (_filled.Reader.TryRead(out (byte[] Buffer, int Count) item))
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
            }
            _inner.Dispose();
            _stop.Dispose();
        }
        base.Dispose(disposing);
    }
}
