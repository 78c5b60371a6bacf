using System.Globalization;

namespace Lcrun.Cli;

/// <summary>The flags and positional arguments of one command line, as <see cref="ArgParser"/> found them.</summary>
internal sealed class ParsedArgs
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public List<string> Positionals { get; } = [];

    public void Add(Flag flag, string value)
    {
        if (!_values.TryGetValue(flag.Name, out List<string>? list))
        {
            _values[flag.Name] = list = [];
        }
        list.Add(value);
    }

    public bool IsSet(string name) => _values.ContainsKey(name);

    /// <summary>The last value given for a flag (as Go's flag package keeps the last), or null.</summary>
    public string? Get(string name) => _values.TryGetValue(name, out List<string>? list) ? list[^1] : null;

    public IReadOnlyList<string> GetAll(string name) => _values.TryGetValue(name, out List<string>? list) ? list : [];

    public bool GetBool(string name)
    {
        string? value = Get(name);
        return value is not null && ParseBool(name, value);
    }

    public int GetInt(string name, int defaultValue = 0)
    {
        string? value = Get(name);
        if (value is null)
        {
            return defaultValue;
        }
        return int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new UsageException($"invalid value \"{value}\" for flag -{name}: parse error");
    }

    /// <summary>The first positional argument: the container id, which every command but list, spec and features needs.</summary>
    public string Id => Positionals.Count > 0 && Positionals[0].Length > 0 ? Positionals[0] : throw new CliException("container id cannot be empty");

    internal static bool ParseBool(string name, string value) => value switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => throw new UsageException($"invalid boolean value \"{value}\" for -{name}: parse error"),
    };
}
