using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;

namespace Lcd.Api;

/// <summary>
/// Half-closed connections for attach. The docker CLI half-closes its side of an attach connection as
/// soon as it has no more stdin (at once, without -i), then reads the container's output to the end.
/// Kestrel treats a client's FIN as the end of the connection and would cut that output. This connection
/// middleware hides the FIN from Kestrel once a request has taken over its connection
/// (<see cref="Upgraded"/>): the read side then reports <see cref="ReadClosed"/> instead, and the
/// connection ends when the handler ends.
/// </summary>
internal sealed class HalfClose : IDisposable
{
    private readonly CancellationTokenSource _readClosed = new();

    /// <summary>Set by a handler before it upgrades: from then on a FIN is only the end of the client's input.</summary>
    public bool Upgraded { get; set; }

    /// <summary>
    /// Set by a handler before it upgrades a request the client sent without <c>Upgrade</c>
    /// (<see cref="UpgradeBody.PlainHeader"/>): Kestrel's 101 head that follows goes out as dockerd's 200 head.
    /// </summary>
    public bool PlainHijack { get; set; }

    /// <summary>Set by a handler when it took the connection over; a request that asked for it and was answered otherwise (a 409, a detached start) ends the hiding.</summary>
    public bool TookOver { get; set; }

    private readonly CancellationTokenSource _notTakenOver = new();

    /// <summary>
    /// The request pipeline's outermost middleware: after a request that asked for the upgrade but was
    /// answered with an ordinary response, the client's FIN is again the end of the connection (a held
    /// FIN is let go), so a kept-alive connection never holds lcd's shutdown.
    /// </summary>
    public static async Task Middleware(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        finally
        {
            if (context.Features.Get<HalfClose>() is { Upgraded: true, TookOver: false } feature)
            {
                feature.Upgraded = false;
                await feature._notTakenOver.CancelAsync();
            }
        }
    }

    /// <summary>Cancelled when the client half-closed an upgraded connection (its stdin ended).</summary>
    public CancellationToken ReadClosed => _readClosed.Token;

    public static void Use(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen) => listen.Use(next => async connection =>
    {
        var feature = new HalfClose();
        connection.Features.Set(feature);
        using var closed = new CancellationTokenSource();
        CancellationToken transportClosed = connection.ConnectionClosed;
        using CancellationTokenRegistration registration = transportClosed.Register(() =>
        {
            if (!feature.Upgraded)
            {
                closed.Cancel();
            }
        });
        IDuplexPipe transport = connection.Transport;
        connection.Transport = new Pipe(new Reader(UpgradeBody.Filter(transport.Input, () => feature.Upgraded = true), feature, closed.Token),
            new Writer(transport.Output, feature));
        connection.ConnectionClosed = closed.Token;
        try
        {
            await next(connection);
        }
        finally
        {
            await closed.CancelAsync();
            feature.Dispose();
        }
    });

    public void Dispose()
    {
        _readClosed.Dispose();
        _notTakenOver.Dispose();
    }

    private sealed class Pipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    /// <summary>
    /// The connection's output. While <see cref="PlainHijack"/> is set, the bytes Kestrel writes are held
    /// until the end of its response head (the 101), which is replaced by dockerd's head for a hijack the
    /// client did not ask to upgrade; then it only passes bytes on.
    /// </summary>
    private sealed class Writer(PipeWriter inner, HalfClose feature) : PipeWriter
    {
        private static readonly byte[] s_plainHead = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n"u8.ToArray();
        private readonly List<byte> _head = [];
        private byte[]? _scratch;

        public override Memory<byte> GetMemory(int sizeHint = 0)
        {
            if (!feature.PlainHijack)
            {
                return inner.GetMemory(sizeHint);
            }
            _scratch = new byte[Math.Max(sizeHint, 4096)];
            return _scratch;
        }

        public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public override void Advance(int bytes)
        {
            if (_scratch is null)
            {
                inner.Advance(bytes);
                return;
            }
            _head.AddRange(_scratch.AsSpan(0, bytes));
            _scratch = null;
            int end = CollectionsMarshal.AsSpan(_head).IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                return;
            }
            feature.PlainHijack = false;
            inner.Write(s_plainHead);
            inner.Write(CollectionsMarshal.AsSpan(_head)[(end + 4)..]);
            _head.Clear();
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) =>
            feature.PlainHijack ? base.WriteAsync(source, cancellationToken) : inner.WriteAsync(source, cancellationToken);

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes + _head.Count;

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }

    private sealed class Reader(PipeReader inner, HalfClose feature, CancellationToken connectionEnd) : PipeReader
    {
        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            ReadResult result = await inner.ReadAsync(cancellationToken);
            if (result.IsCompleted && !result.Buffer.IsEmpty && feature.Upgraded)
            {
                // Input and FIN together (a client that half-closed before the 101): the bytes first, the FIN at the next read.
                return new ReadResult(result.Buffer, result.IsCanceled, isCompleted: false);
            }
            if (result.IsCompleted && result.Buffer.IsEmpty && feature.Upgraded)
            {
                feature._readClosed.Cancel();
                // Hold Kestrel's read until the handler ends the connection (or the read is cancelled).
                using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connectionEnd, feature._notTakenOver.Token);
                try
                {
                    await Task.Delay(Timeout.Infinite, both.Token);
                }
                catch (OperationCanceledException)
                {
                }
                return new ReadResult(result.Buffer, isCanceled: cancellationToken.IsCancellationRequested, isCompleted: true);
            }
            return result;
        }

        public override bool TryRead(out ReadResult result)
        {
            bool read = inner.TryRead(out result);
            return read && !(result.IsCompleted && result.Buffer.IsEmpty && feature.Upgraded) && read;
        }

        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }
}
