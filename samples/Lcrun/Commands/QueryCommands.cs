using System.Diagnostics;
using System.Globalization;
using LibContainer;
using Lcrun.Cli;
using Lcrun.Output;
using Lcrun.Io;

namespace Lcrun.Commands;

/// <summary>state, list and ps.</summary>
internal static class QueryCommands
{
    public static Command State { get; } = new("state", "output the state of a container", "<container-id>", [], StateAsync)
    {
        ExactArgs = 1,
    };

    public static Command List { get; } = new("list", "lists containers started by lcrun with the given root", "",
    [
        Flag.Value("format", "select one of: table or json (default: \"table\")", "f"),
        Flag.Bool("quiet", "display only container IDs", "q"),
    ], ListAsync)
    {
        ExactArgs = 0,
    };

    public static Command Ps { get; } = new("ps", "ps displays the processes running inside a container", "<container-id> [ps options]",
        [Flag.Value("format", "select one of: table or json (default: \"table\")", "f")], PsAsync)
    {
        MinArgs = 1,
        StopAtFirstPositional = true,
    };

    private static async Task<int> StateAsync(CommandContext ctx, ParsedArgs args)
    {
        IContainer container = await ctx.LoadAsync(args.Id).ConfigureAwait(false);
        // runc prints the indented state without a newline after it.
        StdStreams.Out(LcrunJsonContext.Write(ToRuncState(container, owner: "").WriteTo, indent: 2));
        return 0;
    }

    internal static RuncState ToRuncState(IContainer container, string owner)
    {
        // From the state and the config's summary: a state query parses no whole spec.
        LibContainer.Spec.ContainerState state = container.GetState();
        ContainerStatus status = container.Status;
        string bundle = container.Bundle ?? "";
        string root = container.Rootfs;
        return new RuncState
        {
            OciVersion = state.OciVersion,
            Id = container.Id,
            Pid = status == ContainerStatus.Stopped ? 0 : container.InitProcess.Pid,
            Status = CommandContext.StatusName(status),
            Bundle = bundle,
            Rootfs = root.Length == 0 || Path.IsPathRooted(root) || bundle.Length == 0 ? root : Path.GetFullPath(Path.Combine(bundle, root)),
            Created = FormatTime(container.Created),
            Owner = owner,
            Annotations = state.Annotations,
        };
    }

    /// <summary>Go's time.RFC3339Nano: fraction without trailing zeros, Z for UTC.</summary>
    internal static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static readonly string[] s_listHeader = ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"];

    private static async Task<int> ListAsync(CommandContext ctx, ParsedArgs args)
    {
        var states = new List<RuncState>();
        string owner = Environment.UserName;
        foreach (string id in await ctx.Factory.ListAsync().ConfigureAwait(false))
        {
            try
            {
                await using IContainer container = await ctx.Factory.LoadAsync(id).ConfigureAwait(false);
                states.Add(ToRuncState(container, owner));
            }
            catch (Exception ex) when (ex is ContainerException or IOException or ArgumentException)
            {
                ctx.Log.Warn($"list: skipping {id}: {ex.Message}"); // half-made or half-deleted
            }
        }
        if (args.GetBool("quiet"))
        {
            foreach (RuncState state in states)
            {
                StdStreams.Out(state.Id + "\n");
            }
            return 0;
        }
        switch (args.Get("format") ?? "table")
        {
            case "table":
                var rows = new List<string[]> { s_listHeader };
                rows.AddRange(states.Select(s => new[] { s.Id, s.Pid.ToString(CultureInfo.InvariantCulture), s.Status, s.Bundle, s.Created, s.Owner }));
                StdStreams.Out(TabWriter.Format(rows));
                return 0;
            case "json":
                // Go encodes an empty (nil) list as null.
                StdStreams.Out((states.Count == 0 ? "null" : LcrunJsonContext.Write(writer =>
                {
                    writer.WriteStartArray();
                    states.ForEach(state => state.WriteTo(writer));
                    writer.WriteEndArray();
                })) + "\n");
                return 0;
            default:
                throw new CliException("invalid format option");
        }
    }

    private static async Task<int> PsAsync(CommandContext ctx, ParsedArgs args)
    {
        IContainer container = await ctx.LoadAsync(args.Id).ConfigureAwait(false);
        IReadOnlyList<int> pids = await container.GetProcessesAsync().ConfigureAwait(false);
        switch (args.Get("format") ?? "table")
        {
            case "json":
                StdStreams.Out((pids.Count == 0 ? "null" : LcrunJsonContext.Write(writer =>
                {
                    writer.WriteStartArray();
                    foreach (int pid in pids)
                    {
                        writer.WriteNumberValue(pid);
                    }
                    writer.WriteEndArray();
                })) + "\n");
                return 0;
            case "table":
                break;
            default:
                throw new CliException("invalid format option");
        }
        string[] psArgs = args.Positionals.Count > 1 ? [.. args.Positionals.Skip(1)] : ["-ef"];
        string output = RunPs(psArgs);
        string[] lines = output.Split('\n');
        int pidIndex = Array.IndexOf(lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries), "PID");
        if (pidIndex < 0)
        {
            throw new CliException("couldn't find PID field in ps output");
        }
        var text = new System.Text.StringBuilder(lines[0]).Append('\n');
        foreach (string line in lines.Skip(1))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > pidIndex && int.TryParse(fields[pidIndex], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pids.Contains(pid))
            {
                text.Append(line).Append('\n');
            }
        }
        StdStreams.Out(text.ToString());
        return 0;
    }

    /// <summary>The host's ps with the given options, as runc runs it; its output with stderr.</summary>
    private static string RunPs(string[] psArgs)
    {
        var start = new ProcessStartInfo("ps") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in psArgs)
        {
            start.ArgumentList.Add(arg);
        }
        try
        {
            using Process ps = Process.Start(start)!;
            Task<string> errors = ps.StandardError.ReadToEndAsync();
            string output = ps.StandardOutput.ReadToEnd();
            ps.WaitForExit();
            if (ps.ExitCode != 0)
            {
                throw new CliException($"exit status {ps.ExitCode}: {output}{errors.Result}");
            }
            return output;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new CliException($"exec: \"ps\": {ex.Message}");
        }
    }
}
