using Microsoft.AspNetCore.Http.Features;

namespace Lcd.Api;

/// <summary>
/// The connection of an attach or exec start, taken over as dockerd takes it (HTTP <c>Upgrade: tcp</c>,
/// 101 UPGRADED, then the raw stream both ways). A client that did not ask for the upgrade gets
/// dockerd's 200 head and the raw stream too (<see cref="UpgradeBody"/> makes its request an upgrade
/// request); one that reaches here without a connection filter gets a 200 streamed answer and its
/// request body as input.
/// </summary>
internal sealed class Hijack
{
    private Hijack(Stream output, Stream input, CancellationToken inputEnded)
    {
        Output = output;
        Input = input;
        InputEnded = inputEnded;
    }

    /// <summary>Where the container's output goes.</summary>
    public Stream Output { get; }

    /// <summary>The client's input (stdin).</summary>
    public Stream Input { get; }

    /// <summary>
    /// Cancelled when the client's input ended (its half-close: the docker CLI half-closes as soon as its
    /// stdin ends, at once without -i) or the client went away; the output goes on until the process ends.
    /// </summary>
    public CancellationToken InputEnded { get; }

    public static async Task<Hijack> TakeOverAsync(HttpContext context)
    {
        IHttpUpgradeFeature? upgrade = context.Features.Get<IHttpUpgradeFeature>();
        context.Response.Headers.ContentType = StreamFraming.RawStream;
        HalfClose? halfClose = context.Features.Get<HalfClose>();
        if (upgrade is { IsUpgradableRequest: true })
        {
            if (halfClose is not null)
            {
                halfClose.Upgraded = true;
                halfClose.TookOver = true;
                // A client that did not ask for the upgrade (Docker.DotNet) gets dockerd's 200 head instead of the 101.
                halfClose.PlainHijack = context.Request.Headers.ContainsKey(UpgradeBody.PlainHeader);
            }
            context.Response.Headers.Connection = "Upgrade";
            context.Response.Headers.Upgrade = "tcp";
            Stream stream = await upgrade.UpgradeAsync();
            return new Hijack(stream, stream, halfClose?.ReadClosed ?? context.RequestAborted);
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        return new Hijack(context.Response.Body, context.Request.Body, context.RequestAborted);
    }

    /// <summary>
    /// Copies the client's input to <paramref name="target"/> until it ends; with
    /// <paramref name="detachKeys"/> (a terminal's ctrl-p,ctrl-q) the copy stops at that sequence and
    /// returns true (the client detaches: its output stops, the process runs on).
    /// </summary>
    public async Task<bool> CopyInputAsync(Stream target, byte[]? detachKeys)
    {
        byte[] buffer = new byte[16 * 1024];
        int matched = 0;
        try
        {
            while (true)
            {
                int n = await Input.ReadAsync(buffer, InputEnded);
                if (n == 0)
                {
                    return false;
                }
                if (detachKeys is { Length: > 0 })
                {
                    // Bytes that may begin the sequence are held back until it is decided; the sequence itself never goes in.
                    var pass = new List<byte>(n + detachKeys.Length);
                    for (int i = 0; i < n; i++)
                    {
                        byte b = buffer[i];
                        if (b == detachKeys[matched])
                        {
                            if (++matched == detachKeys.Length)
                            {
                                await target.WriteAsync(pass.ToArray(), CancellationToken.None);
                                return true;
                            }
                            continue;
                        }
                        pass.AddRange(detachKeys.AsSpan(0, matched));
                        matched = b == detachKeys[0] ? 1 : 0;
                        if (matched == 0)
                        {
                            pass.Add(b);
                        }
                    }
                    if (pass.Count > 0)
                    {
                        await target.WriteAsync(pass.ToArray(), CancellationToken.None);
                    }
                    continue;
                }
                await target.WriteAsync(buffer.AsMemory(0, n), CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or NotSupportedException)
        {
            // The client's input ended (a half-close) or it went away; or the process's input is gone.
            return false;
        }
    }

    /// <summary>Docker's --detach-keys: "ctrl-p,ctrl-q" (the default), single characters, ctrl-a..ctrl-z, ctrl-@, ctrl-[ ...</summary>
    public static byte[] ParseDetachKeys(string? keys)
    {
        if (string.IsNullOrEmpty(keys))
        {
            keys = "ctrl-p,ctrl-q";
        }
        var sequence = new List<byte>();
        foreach (string key in keys.Split(','))
        {
            string k = key.Trim();
            if (k.Length == 1)
            {
                sequence.Add((byte)k[0]);
            }
            else if (k.StartsWith("ctrl-", StringComparison.OrdinalIgnoreCase) && k.Length == 6)
            {
                char c = char.ToLowerInvariant(k[5]);
                sequence.Add(c switch
                {
                    >= 'a' and <= 'z' => (byte)(c - 'a' + 1),
                    '@' => 0,
                    '[' => 27,
                    '\\' => 28,
                    ']' => 29,
                    '^' => 30,
                    '_' => 31,
                    _ => throw ApiException.BadRequest($"Invalid detach keys ({keys}): unknown character '{k}'"),
                });
            }
            else
            {
                throw ApiException.BadRequest($"Invalid detach keys ({keys}): unknown character '{k}'");
            }
        }
        return [.. sequence];
    }
}
