using System.Globalization;

namespace LibContainer.Security;

/// <summary>The rlimit names of the OCI spec and the kernel's resource numbers (asm-generic/resource.h).</summary>
internal static class Rlimits
{
    public const ulong Infinity = ulong.MaxValue;

    private static readonly Dictionary<string, int> s_numbers = new(StringComparer.Ordinal)
    {
        ["RLIMIT_CPU"] = 0,
        ["RLIMIT_FSIZE"] = 1,
        ["RLIMIT_DATA"] = 2,
        ["RLIMIT_STACK"] = 3,
        ["RLIMIT_CORE"] = 4,
        ["RLIMIT_RSS"] = 5,
        ["RLIMIT_NPROC"] = 6,
        ["RLIMIT_NOFILE"] = 7,
        ["RLIMIT_MEMLOCK"] = 8,
        ["RLIMIT_AS"] = 9,
        ["RLIMIT_LOCKS"] = 10,
        ["RLIMIT_SIGPENDING"] = 11,
        ["RLIMIT_MSGQUEUE"] = 12,
        ["RLIMIT_NICE"] = 13,
        ["RLIMIT_RTPRIO"] = 14,
        ["RLIMIT_RTTIME"] = 15,
    };

    public static IEnumerable<string> Names => s_numbers.Keys;

    public static bool IsKnown(string name) => s_numbers.ContainsKey(name);

    /// <summary>The resource number of a spec name such as <c>RLIMIT_NOFILE</c>, or null if unknown.</summary>
    public static int? Number(string name) => s_numbers.TryGetValue(name, out int n) ? n : null;

    public static string? Name(int number) => s_numbers.FirstOrDefault(p => p.Value == number).Key;

    public static string Format(ulong value) => value == Infinity ? "unlimited" : value.ToString(CultureInfo.InvariantCulture);
}
