namespace Lcrun.Cli;

/// <summary>
/// Parses flags the way runc's urfave/cli (Go's flag package) does: <c>-f</c> and <c>--f</c> alike,
/// <c>--name value</c> or <c>--name=value</c>, booleans as <c>--b</c> or <c>--b=false</c>, <c>--</c>
/// ends the flags. Flags may follow positional arguments, except for commands whose trailing arguments
/// belong to someone else (exec's command, ps's options): there the first positional ends the flags.
/// </summary>
internal static class ArgParser
{
    public static ParsedArgs Parse(IReadOnlyList<string> args, IReadOnlyList<Flag> flags, bool stopAtFirstPositional)
    {
        var parsed = new ParsedArgs();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                parsed.Positionals.AddRange(args.Skip(i + 1));
                break;
            }
            if (arg.Length < 2 || arg[0] != '-')
            {
                parsed.Positionals.Add(arg);
                if (stopAtFirstPositional)
                {
                    parsed.Positionals.AddRange(args.Skip(i + 1));
                    break;
                }
                continue;
            }
            string body = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : arg[1..];
            int equals = body.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? body : body[..equals];
            string? inline = equals < 0 ? null : body[(equals + 1)..];
            Flag flag = flags.FirstOrDefault(f => f.Matches(name))
                ?? throw new UsageException($"flag provided but not defined: -{name}");
            if (!flag.TakesValue)
            {
                parsed.Add(flag, inline is null ? "true" : ParsedArgs.ParseBool(name, inline) ? "true" : "false");
                continue;
            }
            if (inline is null)
            {
                if (i + 1 >= args.Count)
                {
                    throw new UsageException($"flag needs an argument: -{name}");
                }
                inline = args[++i];
            }
            parsed.Add(flag, inline);
        }
        return parsed;
    }
}
