using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;

namespace Lcd.Api;

/// <summary>
/// Upgrade requests with a body, for Kestrel. The docker CLI starts an exec with
/// <c>POST /exec/{id}/start</c>, a small JSON body and <c>Connection: Upgrade, Upgrade: tcp</c>; Kestrel
/// ignores the upgrade of a request that has a body (aspnetcore#27921), so it could never be taken over.
/// This connection-level filter moves such a body (up to <see cref="MaxBody"/> bytes) into a header
/// (<see cref="Header"/>, base64) and drops its Content-Length: Kestrel then sees an upgradable request
/// without a body, and the handler reads the body from the header. It follows the request framing
/// exactly (Content-Length bodies are skipped, not parsed); after a chunked body or an upgrade it only
/// passes bytes on.
/// </summary>
/// <remarks>
/// dockerd takes over the connection of an exec start or attach whether or not the client asks for the
/// upgrade (moby <c>postContainerExecStart</c>: 101 with <c>Upgrade</c>, else
/// <c>200 OK</c> with <c>application/vnd.docker.raw-stream</c>, then the raw stream both ways).
/// Docker.DotNet asks for none: it writes its stdin on the connection right after the request and
/// half-closes it. Such a request (<see cref="IsHijack"/>) is made an upgrade request here too, marked
/// with <see cref="PlainHeader"/>, and <see cref="HalfClose"/> turns Kestrel's 101 head into dockerd's
/// 200 head on the way out.
/// </remarks>
internal static class UpgradeBody
{
    public const string Header = "X-Lcd-Upgrade-Body";

    /// <summary>Set on a hijacked request the client sent without <c>Upgrade</c>: it is answered with dockerd's 200 head, not 101.</summary>
    public const string PlainHeader = "X-Lcd-Plain-Hijack";
    public const int MaxBody = 8192;
    private const int MaxHead = 64 * 1024;

    /// <summary>The request body of an upgrade request, moved into <see cref="Header"/> by the filter; null when there is none.</summary>
    public static byte[]? Read(HttpContext context)
    {
        string? value = context.Request.Headers[Header];
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw ApiException.BadRequest($"invalid {Header} header: not base64");
        }
    }

    /// <summary>The connection's input as Kestrel should see it.</summary>
    /// <param name="input">The transport's input.</param>
    /// <param name="upgradeRequested">
    /// Called when an upgrade request's head has been passed on: from then on the client's FIN is the
    /// end of its input, even when it comes before the handler took the connection over (a client may
    /// send its stdin and half-close without waiting for the 101).
    /// </param>
    public static PipeReader Filter(PipeReader input, Action upgradeRequested)
    {
        var pipe = new Pipe();
        _ = PumpAsync(input, pipe.Writer, upgradeRequested);
        return pipe.Reader;
    }

    private static async Task PumpAsync(PipeReader input, PipeWriter output, Action upgradeRequested)
    {
        long bodyLeft = 0;
        bool passThrough = false;
        Exception? error = null;
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync();
                ReadOnlySequence<byte> buffer = result.Buffer;
                while (!buffer.IsEmpty)
                {
                    if (passThrough)
                    {
                        Write(output, buffer);
                        buffer = buffer.Slice(buffer.End);
                        break;
                    }
                    if (bodyLeft > 0)
                    {
                        long n = Math.Min(bodyLeft, buffer.Length);
                        Write(output, buffer.Slice(0, n));
                        buffer = buffer.Slice(n);
                        bodyLeft -= n;
                        continue;
                    }
                    // At the start of a request: wait for its whole head.
                    SequencePosition? end = FindHeadEnd(buffer);
                    if (end is null)
                    {
                        if (buffer.Length > MaxHead || result.IsCompleted)
                        {
                            passThrough = true; // Kestrel answers what it makes of it
                            continue;
                        }
                        break;
                    }
                    ReadOnlySequence<byte> headBytes = buffer.Slice(0, end.Value);
                    string head = Encoding.Latin1.GetString(headBytes);
                    (long length, bool chunked, bool upgrade) = Inspect(head);
                    bool plain = !upgrade && !chunked && length <= MaxBody && IsHijack(head);
                    if (plain || (upgrade && length is > 0 and <= MaxBody))
                    {
                        ReadOnlySequence<byte> rest = buffer.Slice(end.Value);
                        if (rest.Length < length)
                        {
                            if (result.IsCompleted)
                            {
                                passThrough = true;
                                continue;
                            }
                            break; // the whole body first
                        }
                        byte[] body = rest.Slice(0, length).ToArray();
                        if (plain && IsDetached(body))
                        {
                            // A detached exec start is an ordinary request (dockerd answers it with 200 and no stream).
                            Write(output, headBytes);
                            buffer = buffer.Slice(end.Value);
                            bodyLeft = length;
                            continue;
                        }
                        Write(output, Encoding.Latin1.GetBytes(Rewrite(head, body, plain)));
                        upgradeRequested();
                        buffer = rest.Slice(length);
                        passThrough = true; // what follows is the upgraded stream
                        continue;
                    }
                    Write(output, headBytes);
                    buffer = buffer.Slice(end.Value);
                    if (upgrade && length == 0 && !chunked)
                    {
                        upgradeRequested();
                    }
                    if (chunked || upgrade)
                    {
                        passThrough = true;
                    }
                    else
                    {
                        bodyLeft = length;
                    }
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                FlushResult flushed = await output.FlushAsync();
                if (flushed.IsCompleted || result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException or Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            error = ex;
        }
        finally
        {
            await input.CompleteAsync();
            await output.CompleteAsync(error);
        }
    }

    private static void Write(PipeWriter output, ReadOnlySequence<byte> bytes)
    {
        foreach (ReadOnlyMemory<byte> segment in bytes)
        {
            output.Write(segment.Span);
        }
    }

    private static void Write(PipeWriter output, byte[] bytes) => output.Write(bytes);

    /// <summary>
    /// The position just after the head's blank line, or null while it is incomplete. Lines may end in
    /// CRLF or a bare LF (Kestrel accepts both; Docker.DotNet's client sends LF).
    /// </summary>
    private static SequencePosition? FindHeadEnd(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        int lineLength = 0;
        while (reader.TryRead(out byte b))
        {
            if (b == (byte)'\n')
            {
                if (lineLength == 0)
                {
                    return reader.Position;
                }
                lineLength = 0;
            }
            else if (b != (byte)'\r')
            {
                lineLength++;
            }
        }
        return null;
    }

    /// <summary>A head's Content-Length, whether its body is chunked, whether it asks for an upgrade (Connection: Upgrade and Upgrade).</summary>
    internal static (long Length, bool Chunked, bool Upgrade) Inspect(string head)
    {
        long length = 0;
        bool chunked = false, connectionUpgrade = false, upgradeHeader = false;
        foreach (string line in head.Split('\n').Select(l => l.TrimEnd('\r')).Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }
            string name = line[..colon].Trim();
            string value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                length = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : -1;
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                chunked = true;
            }
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                connectionUpgrade |= value.Split(',').Any(v => v.Trim().Equals("Upgrade", StringComparison.OrdinalIgnoreCase));
            }
            else if (name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase))
            {
                upgradeHeader = value.Length > 0;
            }
        }
        // A malformed length: no filtering from here on (Kestrel refuses the request).
        return (length, chunked || length < 0, connectionUpgrade && upgradeHeader);
    }

    /// <summary>
    /// Whether a head is a request dockerd hijacks: <c>POST [/vX.Y]/exec/ID/start</c> or
    /// <c>POST [/vX.Y]/containers/ID/attach[?...]</c>.
    /// </summary>
    internal static bool IsHijack(string head)
    {
        int end = head.IndexOf('\n', StringComparison.Ordinal);
        string[] requestLine = (end < 0 ? head : head[..end]).TrimEnd('\r').Split(' ');
        if (requestLine.Length != 3 || requestLine[0] != "POST")
        {
            return false;
        }
        string[] parts = requestLine[1].Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 4 && parts[0].StartsWith('v'))
        {
            parts = parts[1..]; // the /v1.xx/ prefix
        }
        return parts.Length == 3 && ((parts[0] == "exec" && parts[2] == "start") || (parts[0] == "containers" && parts[2] == "attach"));
    }

    /// <summary>Whether an exec start's body asks for a detached start (<c>"Detach": true</c>; Go's decoder matches the name in any case).</summary>
    internal static bool IsDetached(byte[] body)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(body);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.EnumerateObject().Any(p => p.Name.Equals("Detach", StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == System.Text.Json.JsonValueKind.True);
        }
        catch (System.Text.Json.JsonException)
        {
            return false; // the handler answers 400
        }
    }

    /// <summary>
    /// The head without Content-Length, with the body in <see cref="Header"/>; a <paramref name="plain"/>
    /// hijack also asks for the upgrade (<c>Connection: Upgrade</c>, <c>Upgrade: tcp</c>) and carries <see cref="PlainHeader"/>.
    /// </summary>
    internal static string Rewrite(string head, byte[] body, bool plain = false)
    {
        string[] dropped = plain ? ["Content-Length", Header, PlainHeader, "Connection", "Upgrade"] : ["Content-Length", Header];
        var lines = head.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0)
            .Where(l => !dropped.Any(name => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))).ToList();
        if (body.Length > 0)
        {
            lines.Add($"{Header}: {Convert.ToBase64String(body)}");
        }
        if (plain)
        {
            lines.Add("Connection: Upgrade");
            lines.Add("Upgrade: tcp");
            lines.Add($"{PlainHeader}: 1");
        }
        return string.Join("\r\n", lines) + "\r\n\r\n";
    }
}
