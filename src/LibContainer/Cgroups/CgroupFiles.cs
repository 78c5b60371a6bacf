using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;

using LibContainer.Interop;

namespace LibContainer.Cgroups;

/// <summary>
/// Reading and writing cgroup interface files, and parsing their formats: single values
/// (<c>12345</c>, <c>max</c>), flat keyed (<c>key value</c> lines), nested keyed
/// (<c>8:0 rbytes=1 wbytes=2</c>) and CPU lists (<c>0-3,5</c>).
/// </summary>
internal static class CgroupFiles
{
    /// <summary>What <see cref="ParseUInt64"/> returns for <c>max</c>.</summary>
    public const ulong Max = ulong.MaxValue;

    /// <summary>
    /// v1 reports "no limit" as the largest page-aligned signed 64-bit value (9223372036854771712
    /// with 4 KiB pages); anything from 2^62 up is taken to mean unlimited.
    /// </summary>
    private const ulong V1UnlimitedFrom = 1UL << 62;

    /// <summary>The largest CPU or memory node number a list may name (the kernel's NR_CPUS is at most 8192).</summary>
    private const int MaxCpu = 65535;

    /// <summary>
    /// Writes <paramref name="value"/> (no trailing newline, one write call) into an existing file,
    /// as cgroupfs expects: the file is never created. A refusal becomes a
    /// <see cref="ContainerException"/> naming the value, the path and errno, with the
    /// <see cref="IOException"/> as its inner exception.
    /// </summary>
    public static void Write(string directory, string file, string value)
    {
        // open, write, close: FileStream would add fstatfs, flock, ftruncate and lseek to every write.
        string path = Path.Combine(directory, file);
        using SafeFd? fd = Sys.TryOpen(path, LibC.O_WRONLY | LibC.O_TRUNC, out int errno);
        int written = fd is null ? -errno : Sys.Write(fd, Encoding.UTF8.GetBytes(value));
        if (written < 0)
        {
            throw new ContainerException($"write {value} to {path} failed: {SyscallException.Describe(-written)}.",
                new SyscallException("write", -written, path));
        }
    }

    /// <summary>The errno of a failed <see cref="Write"/> (or of a .NET file exception), EIO when unknown.</summary>
    public static int ErrnoOf(Exception exception)
    {
        Exception ex = exception is ContainerException { InnerException: { } inner } ? inner : exception;
        return ex switch
        {
            SyscallException syscall => syscall.Errno,
            FileNotFoundException or DirectoryNotFoundException => LibC.ENOENT,
            PathTooLongException => LibC.ENAMETOOLONG,
            UnauthorizedAccessException { InnerException: IOException { HResult: > 0 and < 4096 } io } => io.HResult,
            UnauthorizedAccessException => LibC.EACCES,
            IOException { HResult: > 0 and < 4096 } io => io.HResult,
            _ => LibC.EIO,
        };
    }

    /// <summary>The whole file; a missing or unreadable file is a <see cref="ContainerException"/>.</summary>
    public static string Read(string directory, string file) =>
        TryRead(directory, file) ?? throw ReadFailed(Path.Combine(directory, file), new FileNotFoundException(null, file));

    /// <summary>The whole file, or null when it does not exist (a kernel without that feature).</summary>
    public static string? TryRead(string directory, string file)
    {
        string path = Path.Combine(directory, file);
        try
        {
            return Sys.TryReadText(path);
        }
        catch (SyscallException ex)
        {
            throw ReadFailed(path, ex);
        }
    }

    private static ContainerException ReadFailed(string path, Exception ex) =>
        new($"read {path} failed: {SyscallException.Describe(ErrnoOf(ex))}.", ex);

    /// <summary>A file holding one number or <c>max</c> (<see cref="Max"/>).</summary>
    public static ulong ReadUInt64(string directory, string file) =>
        ParseUInt64(Read(directory, file), Path.Combine(directory, file));

    /// <summary>Like <see cref="ReadUInt64"/>, or null when the file does not exist.</summary>
    public static ulong? TryReadUInt64(string directory, string file) =>
        TryRead(directory, file) is { } text ? ParseUInt64(text, Path.Combine(directory, file)) : null;

    /// <summary>One number or <c>max</c> (<see cref="Max"/>); <paramref name="path"/> names the file in the error.</summary>
    public static ulong ParseUInt64(string text, string path)
    {
        string value = text.Trim();
        if (value == "max")
        {
            return Max;
        }
        if (ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong number))
        {
            return number;
        }
        throw new ContainerException($"{path}: expected a number or \"max\", got \"{value}\".");
    }

    /// <summary>A limit as read (v1 huge values or v2 <c>max</c>) as the stats show it: null for no limit.</summary>
    public static ulong? AsLimit(ulong value) => value >= V1UnlimitedFrom ? null : value;

    /// <summary>
    /// Parses "flat keyed" contents (memory.stat, cpu.stat, memory.events): one <c>key value</c> per
    /// line. Lines whose value is not a number are skipped; a repeated key keeps its first value.
    /// </summary>
    public static Dictionary<string, ulong> ParseFlatKeyed(string text)
    {
        var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length == 2 && TryParseValue(fields[1], out ulong value))
            {
                values.TryAdd(fields[0], value);
            }
        }
        return values;
    }

    /// <summary>
    /// Parses "nested keyed" contents (io.stat, io.max): <c>8:0 rbytes=1 wbytes=2 wiops=max</c>, one
    /// key per line followed by <c>name=value</c> pairs; <c>max</c> is <see cref="Max"/>. Pairs whose
    /// value is not a number are skipped.
    /// </summary>
    public static List<(string Key, Dictionary<string, ulong> Values)> ParseNestedKeyed(string text)
    {
        var lines = new List<(string, Dictionary<string, ulong>)>();
        foreach (string line in text.Split('\n'))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length == 0)
            {
                continue;
            }
            var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
            foreach (string field in fields.Skip(1))
            {
                int equals = field.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0 && TryParseValue(field[(equals + 1)..], out ulong value))
                {
                    values.TryAdd(field[..equals], value);
                }
            }
            lines.Add((fields[0], values));
        }
        return lines;
    }

    private static bool TryParseValue(string text, out ulong value)
    {
        if (text == "max")
        {
            value = Max;
            return true;
        }
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>A <c>major:minor</c> device number, as in io.stat and blkio files.</summary>
    public static bool TryParseDevice(string text, out ulong major, out ulong minor)
    {
        major = minor = 0;
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 &&
            ulong.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out major) &&
            ulong.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out minor);
    }

    /// <summary>
    /// Parses a CPU or memory node list as cpuset.cpus and /sys/devices/system/cpu/online write
    /// it: <c>0-3,5</c>; empty (or only whitespace) is the empty set.
    /// </summary>
    public static bool TryParseCpuList(string text, [NotNullWhen(true)] out SortedSet<int>? cpus)
    {
        cpus = null;
        var set = new SortedSet<int>();
        string trimmed = text.Trim();
        if (trimmed.Length > 0)
        {
            foreach (string part in trimmed.Split(','))
            {
                int dash = part.IndexOf('-', StringComparison.Ordinal);
                string first = dash < 0 ? part : part[..dash];
                string last = dash < 0 ? part : part[(dash + 1)..];
                if (!int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out int from) ||
                    !int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out int to) ||
                    from > to || to > MaxCpu)
                {
                    return false;
                }
                for (int cpu = from; cpu <= to; cpu++)
                {
                    set.Add(cpu);
                }
            }
        }
        cpus = set;
        return true;
    }

    /// <summary>Like <see cref="TryParseCpuList"/>, throwing <see cref="FormatException"/> for a malformed list.</summary>
    public static SortedSet<int> ParseCpuList(string text) =>
        TryParseCpuList(text, out SortedSet<int>? cpus) ? cpus : throw new FormatException($"Not a CPU list: \"{text.Trim()}\".");

    /// <summary>The shortest list form of a set of CPUs or nodes: {0,1,2,5} is <c>0-2,5</c>.</summary>
    public static string FormatCpuList(IEnumerable<int> cpus)
    {
        var builder = new StringBuilder();
        int[] sorted = cpus.Distinct().Order().ToArray();
        for (int i = 0; i < sorted.Length; i++)
        {
            int start = sorted[i];
            while (i + 1 < sorted.Length && sorted[i + 1] == sorted[i] + 1)
            {
                i++;
            }
            if (builder.Length > 0)
            {
                builder.Append(',');
            }
            builder.Append(CultureInfo.InvariantCulture, $"{start}");
            if (sorted[i] != start)
            {
                builder.Append(CultureInfo.InvariantCulture, $"-{sorted[i]}");
            }
        }
        return builder.ToString();
    }

    /// <summary>A number as cgroup files take it (invariant culture).</summary>
    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A number as cgroup files take it (invariant culture).</summary>
    public static string Format(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
