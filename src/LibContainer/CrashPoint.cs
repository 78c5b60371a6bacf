using LibContainer.Interop;

namespace LibContainer;

/// <summary>
/// Test-only kill points: with LIBCONTAINER_TEST_CRASH_AT=name (or name:N, the Nth time it is
/// reached) the process SIGKILLs itself there, so the crash-consistency tests can stop an operation
/// at every step that changes the host and prove that Load, List and Destroy handle what is left.
/// Unset (always, outside those tests) a hit is one comparison.
/// </summary>
internal static class CrashPoint
{
    public const string Variable = "LIBCONTAINER_TEST_CRASH_AT";

    private static readonly (string Name, int Count)? s_at = Parse(Environment.GetEnvironmentVariable(Variable));
    private static int s_hits;

    public static void Hit(string name)
    {
        if (s_at is not { } at || at.Name != name)
        {
            return;
        }
        if (Interlocked.Increment(ref s_hits) >= at.Count)
        {
            Sys.Kill(Environment.ProcessId, (int)Signal.Kill);
            Thread.Sleep(Timeout.Infinite);
        }
    }

    private static (string, int)? Parse(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        int colon = value.LastIndexOf(':');
        return colon > 0 && int.TryParse(value.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int count)
            ? (value[..colon], count)
            : (value, 1);
    }
}
