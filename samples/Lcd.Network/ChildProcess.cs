using System.ComponentModel;
using System.Diagnostics;

namespace Lcd.Network;

/// <summary>
/// One run of a CNI plugin (or of ip, iptables): its environment, its stdin (a plugin's config), its stdout.
/// A program that outlives its time limit is killed with everything it started (a plugin's iptables, for one).
/// </summary>
internal static class ChildProcess
{
    public readonly record struct Output(int ExitCode, byte[] Stdout, string Stderr);

    public static async Task<Output> RunAsync(string path, IEnumerable<string> arguments, IEnumerable<KeyValuePair<string, string>> environment, byte[] stdin, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(path, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }
        using Process process = new() { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new Cni.CniException($"cannot run {path}: {e.Message} (errno {e.NativeErrorCode})", e);
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            Task<byte[]> stdout = ReadAllAsync(process.StandardOutput.BaseStream, limit.Token);
            Task<string> stderr = process.StandardError.ReadToEndAsync(limit.Token);
            try
            {
                await process.StandardInput.BaseStream.WriteAsync(stdin, limit.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The plugin exited without reading its config (EPIPE): its exit status and stdout say why.
            }
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            return new Output(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new Cni.CniException($"{path} did not finish within {timeout.TotalSeconds:0.#} s and was killed");
        }
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
