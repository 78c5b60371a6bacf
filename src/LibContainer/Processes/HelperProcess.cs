using System.Text;
using LibContainer.Interop;

namespace LibContainer.Processes;

/// <summary>
/// The end of a helper program the library runs to completion (a runtime-namespace hook, criu):
/// its exit through the Reaper, SIGKILL when its timeout passes or the caller cancels, and the
/// beginning of what it wrote, for the error message.
/// </summary>
internal static class HelperProcess
{
    /// <summary>
    /// Waits for <paramref name="pid"/>, spawned by this process, to exit; kills it with SIGKILL at
    /// <paramref name="timeout"/> (TimedOut then says so) or on cancellation (rethrown once it is reaped).
    /// </summary>
    public static async Task<(ExitStatus Status, bool TimedOut)> WaitAsync(int pid, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ulong startTime = ProcStat.TryRead(pid)?.StartTime ?? 0;
        Task<ExitStatus> exit = Reaper.Shared.WatchAsync(pid, startTime);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } after)
        {
            limit.CancelAfter(after);
        }
        try
        {
            return (await exit.WaitAsync(limit.Token).ConfigureAwait(false), false);
        }
        catch (OperationCanceledException)
        {
            Sys.Kill(pid, (int)Signal.Kill);
            ExitStatus status = await exit.ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return (status, true);
        }
    }

    /// <summary>Reads a helper's output to its end (so it never blocks on a full pipe), keeping the first <paramref name="limit"/> bytes.</summary>
    public static async Task<string> ReadUpToAsync(Stream stream, int limit)
    {
        var buffer = new MemoryStream();
        byte[] chunk = new byte[4096];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(chunk).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk, 0, Math.Min(n, limit - (int)buffer.Length));
            }
        }
        catch (IOException)
        {
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
