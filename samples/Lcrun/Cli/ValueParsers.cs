using System.Globalization;
using System.Text.RegularExpressions;

namespace Lcrun.Cli;

/// <summary>The value syntaxes runc accepts: signals, Go durations, docker's memory sizes.</summary>
internal static partial class ValueParsers
{
    // x86-64 numbering, as golang.org/x/sys/unix lists them for runc's kill.
    private static readonly Dictionary<string, int> s_signals = new(StringComparer.Ordinal)
    {
        ["SIGHUP"] = 1, ["SIGINT"] = 2, ["SIGQUIT"] = 3, ["SIGILL"] = 4, ["SIGTRAP"] = 5, ["SIGABRT"] = 6, ["SIGIOT"] = 6,
        ["SIGBUS"] = 7, ["SIGFPE"] = 8, ["SIGKILL"] = 9, ["SIGUSR1"] = 10, ["SIGSEGV"] = 11, ["SIGUSR2"] = 12,
        ["SIGPIPE"] = 13, ["SIGALRM"] = 14, ["SIGTERM"] = 15, ["SIGSTKFLT"] = 16, ["SIGCHLD"] = 17, ["SIGCONT"] = 18,
        ["SIGSTOP"] = 19, ["SIGTSTP"] = 20, ["SIGTTIN"] = 21, ["SIGTTOU"] = 22, ["SIGURG"] = 23, ["SIGXCPU"] = 24,
        ["SIGXFSZ"] = 25, ["SIGVTALRM"] = 26, ["SIGPROF"] = 27, ["SIGWINCH"] = 28, ["SIGIO"] = 29, ["SIGPOLL"] = 29,
        ["SIGPWR"] = 30, ["SIGSYS"] = 31, ["SIGRTMIN"] = 34, ["SIGRTMAX"] = 64,
    };

    /// <summary>runc's parseSignal: a number as it is, else a name with or without SIG, any case (KILL, sigkill, SIGRTMIN+3).</summary>
    public static int ParseSignal(string raw)
    {
        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out int number))
        {
            return number;
        }
        string name = raw.ToUpperInvariant();
        if (!name.StartsWith("SIG", StringComparison.Ordinal))
        {
            name = "SIG" + name;
        }
        if (s_signals.TryGetValue(name, out int signal))
        {
            return signal;
        }
        Match rt = RealtimeRegex().Match(name);
        if (rt.Success)
        {
            int offset = int.Parse(rt.Groups["n"].Value, CultureInfo.InvariantCulture);
            int value = rt.Groups["base"].Value == "MIN" ? 34 + offset : 64 - offset;
            if (value is >= 34 and <= 64)
            {
                return value;
            }
        }
        throw new CliException($"unknown signal \"{raw}\"");
    }

    /// <summary>Go's time.ParseDuration: "5s", "1m30s", "250ms", "1.5h".</summary>
    public static TimeSpan ParseDuration(string text)
    {
        if (text is "0")
        {
            return TimeSpan.Zero;
        }
        MatchCollection parts = DurationPartRegex().Matches(text);
        if (parts.Count == 0 || string.Concat(parts.Select(p => p.Value)) != text.TrimStart('-', '+'))
        {
            throw new UsageException($"time: invalid duration \"{text}\"");
        }
        double ticks = 0;
        foreach (Match part in parts)
        {
            double value = double.Parse(part.Groups["value"].Value, CultureInfo.InvariantCulture);
            ticks += value * part.Groups["unit"].Value switch
            {
                "ns" => 0.01,
                "us" or "µs" or "μs" => TimeSpan.TicksPerMicrosecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                _ => TimeSpan.TicksPerHour,
            };
        }
        return TimeSpan.FromTicks((long)(text.StartsWith('-') ? -ticks : ticks));
    }

    /// <summary>docker/go-units RAMInBytes, as runc update reads memory values: "512m", "1g", "1024", "1.5GiB" (binary units).</summary>
    public static long ParseMemory(string flag, string text)
    {
        if (text == "-1")
        {
            return -1;
        }
        Match m = MemoryRegex().Match(text);
        if (!m.Success)
        {
            throw new UsageException($"invalid value for {flag}: invalid size: '{text}'");
        }
        double value = double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        int shift = m.Groups["unit"].Value.ToUpperInvariant() switch
        {
            "K" => 10,
            "M" => 20,
            "G" => 30,
            "T" => 40,
            "P" => 50,
            _ => 0,
        };
        return (long)(value * (1L << shift));
    }

    public static T ParseNumber<T>(string flag, string text) where T : IParsable<T>
    {
        return T.TryParse(text, CultureInfo.InvariantCulture, out T? value)
            ? value
            : throw new UsageException($"invalid value \"{text}\" for flag --{flag}: parse error");
    }

    [GeneratedRegex(@"^SIGRT(?<base>MIN|MAX)(?:[+-](?<n>\d+))$", RegexOptions.CultureInvariant)]
    private static partial Regex RealtimeRegex();

    [GeneratedRegex(@"(?<value>\d+(?:\.\d*)?|\.\d+)(?<unit>ns|us|µs|μs|ms|s|m|h)", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPartRegex();

    [GeneratedRegex(@"^(?<value>\d+(?:\.\d+)?) ?(?<unit>[kKmMgGtTpP])?[iI]?[bB]?$", RegexOptions.CultureInvariant)]
    private static partial Regex MemoryRegex();
}
