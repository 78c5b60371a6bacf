using System.ComponentModel;
using System.Diagnostics;

namespace Lcd.Network.Cni;

/// <summary>
/// One run of a CNI plugin binary: its environment, the config on stdin, the result on stdout.
/// A plugin that outlives its time limit is killed with everything it started (iptables, for one).
/// </summary>
internal static class PluginProcess
{
    public readonly record struct Output(int ExitCode, byte[] Stdout, string Stderr);

    public static async Task<Output> RunAsync(string path, IEnumerable<KeyValuePair<string, string>> environment, byte[] stdin, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(path)
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
            throw new CniException($"cannot run {path}: {e.Message} (errno {e.NativeErrorCode})", e);
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
            throw new CniException($"{path} did not finish within {timeout.TotalSeconds:0.#} s and was killed");
        }
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
