namespace Lcrun.Cli;

/// <summary>A command-line flag as urfave/cli declares it: a name, short aliases, whether it takes a value.</summary>
internal sealed record Flag(string Name, bool TakesValue, string Usage, params string[] Aliases)
{
    public static Flag Bool(string name, string usage, params string[] aliases) => new(name, false, usage, aliases);

    public static Flag Value(string name, string usage, params string[] aliases) => new(name, true, usage, aliases);

    public bool Matches(string name) => Name == name || Aliases.Contains(name);

    public override string ToString()
    {
        string names = string.Join(", ", new[] { Name }.Concat(Aliases).Select(n => (n.Length == 1 ? "-" : "--") + n));
        return TakesValue ? $"{names} value" : names;
    }
}
