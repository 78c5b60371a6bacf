// lcrun: a runc-compatible command line on LibContainer, for containerd's shim, podman's conmon and people.
// Same verbs, flags, exit codes, JSON and error messages as runc 1.1 where the library can do the thing.
using LibContainer;
using LibContainer.Spec;
using Lcrun.Cli;
using Lcrun.Commands;
using Lcrun.Io;

namespace Lcrun;

internal static class Program
{
    internal static IReadOnlyList<Command> Commands { get; } =
    [
        CheckpointCommands.Checkpoint,
        LifecycleCommands.Create,
        ControlCommands.Delete,
        EventsCommand.Definition,
        ExecCommand.Definition,
        ExplainCommand.Definition,
        ControlCommands.Kill,
        QueryCommands.List,
        ControlCommands.Pause,
        QueryCommands.Ps,
        CheckpointCommands.Restore,
        ControlCommands.Resume,
        LifecycleCommands.Run,
        SpecCommand.Definition,
        LifecycleCommands.Start,
        QueryCommands.State,
        UpdateCommand.Definition,
        FeaturesCommand.Definition,
    ];

    public static async Task<int> Main(string[] args)
    {
        CliLog log = CliLog.Default;
        Command? command = null;
        try
        {
            int commandAt = FindCommand(args);
            ParsedArgs global = ArgParser.Parse(args[..commandAt], GlobalOptions.Flags, stopAtFirstPositional: true);
            GlobalOptions options = GlobalOptions.From(global);
            log = new CliLog(options.Log, options.LogFormat, options.Debug);
            if (global.GetBool("version"))
            {
                StdStreams.Out(VersionText());
                return 0;
            }
            if (commandAt >= args.Length || global.GetBool("help") || args[commandAt] is "help" or "h")
            {
                return Help(commandAt + 1 < args.Length && args[commandAt] is "help" or "h" ? args[commandAt + 1] : null);
            }
            command = Commands.FirstOrDefault(c => c.Name == args[commandAt]);
            if (command is null)
            {
                log.Error($"No help topic for '{args[commandAt]}'");
                return 3;
            }
            string[] rest = args[(commandAt + 1)..];
            ParsedArgs parsed = command.SkipFlagParsing
                ? ArgParser.Parse([.. rest.Where(a => !a.StartsWith('-'))], [], stopAtFirstPositional: true)
                : ArgParser.Parse(rest, [.. command.Flags, Flag.Bool("help", "show help", "h")], command.StopAtFirstPositional);
            if (parsed.GetBool("help"))
            {
                StdStreams.Out(command.Help());
                return 0;
            }
            command.CheckArgs(parsed);
            var context = new CommandContext(options, log);
            log.DebugLine($"lcrun {string.Join(' ', args)}");
            return await command.RunAsync(context, parsed).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            (string message, int code) = Describe(ex, command);
            log.Error(message);
            if (!log.ToStderr)
            {
                StdStreams.Error(message + "\n");
            }
            if (log.Debug)
            {
                log.DebugLine(ex.ToString());
            }
            return code;
        }
        finally
        {
            log.Dispose();
        }
    }

    /// <summary>The index of the command: the first argument that is neither a global flag nor its value.</summary>
    private static int FindCommand(string[] args)
    {
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith('-') || arg == "-")
            {
                return i;
            }
            if (arg == "--")
            {
                return i + 1;
            }
            string name = arg.TrimStart('-').Split('=', 2)[0];
            if (!arg.Contains('=', StringComparison.Ordinal) && GlobalOptions.Flags.FirstOrDefault(f => f.Matches(name)) is { TakesValue: true })
            {
                i++;
            }
        }
        return args.Length;
    }

    /// <summary>runc's message for an error and the status to exit with (1; exec's failures 255).</summary>
    internal static (string Message, int ExitCode) Describe(Exception ex, Command? command)
    {
        if (ex is UsageException)
        {
            return (ex.Message, 1);
        }
        string message = ex switch
        {
            ContainerNotFoundException => "container does not exist",
            ContainerAlreadyExistsException => "container with given ID already exists", // a create that lost a race
            SpecValidationException spec => spec.Message.Replace('\n', ';'),
            _ => ex.Message,
        };
        int code = ex is CliException { ExitCode: not 1 } cli ? cli.ExitCode : command?.FailureExitCode ?? 1;
        return ((command?.FailurePrefix ?? "") + message, code);
    }

    private static string VersionText() =>
        $"lcrun version {typeof(Program).Assembly.GetName().Version?.ToString(3)}\ncommit: LibContainer\nspec: {RuntimeSpec.CurrentOciVersion}\n";

    private static int Help(string? topic)
    {
        if (topic is not null)
        {
            Command? command = Commands.FirstOrDefault(c => c.Name == topic);
            if (command is null)
            {
                StdStreams.Error($"No help topic for '{topic}'\n");
                return 3;
            }
            StdStreams.Out(command.Help());
            return 0;
        }
        var text = new System.Text.StringBuilder(
            "NAME:\n   lcrun - a runc-compatible OCI runtime on LibContainer\n\n" +
            "USAGE:\n   lcrun [global options] command [command options] [arguments...]\n\nCOMMANDS:\n");
        foreach (Command command in Commands)
        {
            text.Append("   ").Append(command.Name.PadRight(11)).Append(' ').Append(command.Usage).Append('\n');
        }
        text.Append("\nGLOBAL OPTIONS:\n");
        foreach (Flag flag in GlobalOptions.Flags)
        {
            text.Append("   ").Append(flag.ToString().PadRight(24)).Append(' ').Append(flag.Usage).Append('\n');
        }
        StdStreams.Out(text.ToString());
        return 0;
    }
}
