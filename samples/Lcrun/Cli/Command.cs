namespace Lcrun.Cli;

/// <summary>
/// One verb: its flags, how many arguments it takes, and what it does. <see cref="FailurePrefix"/> and
/// <see cref="FailureExitCode"/> follow runc ("runc create failed: ...", exec's 255).
/// </summary>
internal sealed record Command(string Name, string Usage, string ArgsUsage, IReadOnlyList<Flag> Flags, Func<CommandContext, ParsedArgs, Task<int>> RunAsync)
{
    /// <summary>Flags end at the first positional argument (the rest belongs to the container's command or ps).</summary>
    public bool StopAtFirstPositional { get; init; }

    /// <summary>Flags are not parsed at all (commands that only say they are not supported).</summary>
    public bool SkipFlagParsing { get; init; }

    public int? ExactArgs { get; init; }

    public int? MinArgs { get; init; }

    public string? FailurePrefix { get; init; }

    public int FailureExitCode { get; init; } = 1;

    public void CheckArgs(ParsedArgs args)
    {
        if (ExactArgs is int exact && args.Positionals.Count != exact)
        {
            throw new UsageException($"lcrun: \"{Name}\" requires exactly {exact} argument(s)");
        }
        if (MinArgs is int min && args.Positionals.Count < min)
        {
            throw new UsageException($"lcrun: \"{Name}\" requires a minimum of {min} argument(s)");
        }
    }

    public string Help()
    {
        var text = new System.Text.StringBuilder();
        text.Append("NAME:\n   lcrun ").Append(Name).Append(" - ").Append(Usage).Append("\n\nUSAGE:\n   lcrun ").Append(Name);
        if (Flags.Count > 0)
        {
            text.Append(" [command options]");
        }
        text.Append(' ').Append(ArgsUsage).Append('\n');
        if (Flags.Count > 0)
        {
            text.Append("\nOPTIONS:\n");
            foreach (Flag flag in Flags)
            {
                text.Append("   ").Append(flag.ToString().PadRight(32)).Append(' ').Append(flag.Usage).Append('\n');
            }
        }
        return text.ToString();
    }
}
