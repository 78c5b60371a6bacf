using System.Globalization;
using System.Text.RegularExpressions;

namespace Lcd.Containers;

/// <summary>
/// The json-file log driver's options, read as dockerd's json-file driver reads them (HostConfig.LogConfig,
/// or the daemon's --log-opt / "log-opts" when the container names none): max-size ("10m", binary units)
/// and max-file (files kept, at least 1). The options that only shape dockerd's log lines (labels, env,
/// tag) are accepted and have no effect here; compression is refused.
/// </summary>
public sealed partial record LogOptions(long MaxSize, int MaxFile)
{
    public const string JsonFile = "json-file";

    private static readonly HashSet<string> s_known = ["max-size", "max-file", "compress", "labels", "labels-regex", "env", "env-regex", "tag"];

    /// <summary>No rotation: one file that grows.</summary>
    public static LogOptions Unlimited { get; } = new(-1, 1);

    [GeneratedRegex(@"^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$")]
    private static partial Regex Size();

    /// <exception cref="ArgumentException">An unknown driver or option, or a bad value; the message says which, in dockerd's words.</exception>
    public static LogOptions Parse(string? driver, IReadOnlyDictionary<string, string>? options)
    {
        if (!string.IsNullOrEmpty(driver) && driver != JsonFile)
        {
            throw new ArgumentException($"failed to create task for container: failed to initialize logging driver: logger: no log driver named '{driver}' is registered (lcd has json-file)");
        }
        long maxSize = -1;
        int maxFile = 1;
        foreach ((string key, string value) in options ?? new Dictionary<string, string>())
        {
            switch (key)
            {
                case "max-size":
                    maxSize = ParseSize(value);
                    if (maxSize <= 0)
                    {
                        throw new ArgumentException("max-size must be a positive number");
                    }
                    break;
                case "max-file":
                    if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out maxFile))
                    {
                        throw new ArgumentException($"max-file: invalid number \"{value}\"");
                    }
                    if (maxFile < 1)
                    {
                        throw new ArgumentException("max-file cannot be less than 1");
                    }
                    break;
                case "compress" when value is "true":
                    throw new ArgumentException("compress: lcd's json-file driver does not compress rotated files");
                default:
                    if (!s_known.Contains(key))
                    {
                        throw new ArgumentException($"unknown log opt '{key}' for json-file log driver");
                    }
                    break;
            }
        }
        return new LogOptions(maxSize, maxFile);
    }

    /// <summary>go-units' RAMInBytes: "10m", "1.5g", "512k", "100" (bytes), binary multiples.</summary>
    internal static long ParseSize(string text)
    {
        Match m = Size().Match(text);
        if (!m.Success)
        {
            throw new ArgumentException($"max-size: invalid size: '{text}'");
        }
        double number = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        int power = m.Groups[2].Success ? "kmgtp".IndexOf(char.ToLowerInvariant(m.Groups[2].Value[0]), StringComparison.Ordinal) + 1 : 0;
        return (long)(number * Math.Pow(1024, power));
    }
}
