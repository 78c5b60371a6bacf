using LibContainer;
using Lcrun.Cli;

namespace Lcrun.Commands;

/// <summary>kill, delete, pause and resume.</summary>
internal static class ControlCommands
{
    public static Command Kill { get; } = new("kill", "kill sends the specified signal (default: SIGTERM) to the container's init process", "<container-id> [signal]",
        [Flag.Bool("all", "send the specified signal to all processes inside the container", "a")], KillAsync)
    {
        MinArgs = 1,
    };

    public static Command Delete { get; } = new("delete", "delete any resources held by the container often used with detached container", "<container-id>",
        [Flag.Bool("force", "Forcibly deletes the container if it is still running (uses SIGKILL)", "f")], DeleteAsync)
    {
        ExactArgs = 1,
    };

    public static Command Pause { get; } = new("pause", "pause suspends all processes inside the container", "<container-id>", [], PauseAsync)
    {
        ExactArgs = 1,
    };

    public static Command Resume { get; } = new("resume", "resumes all processes that have been previously paused", "<container-id>", [], ResumeAsync)
    {
        ExactArgs = 1,
    };

    private static async Task<int> KillAsync(CommandContext ctx, ParsedArgs args)
    {
        if (args.Positionals.Count > 2)
        {
            throw new UsageException("lcrun: \"kill\" requires a maximum of 2 argument(s)");
        }
        int signal = ValueParsers.ParseSignal(args.Positionals.Count > 1 ? args.Positionals[1] : "SIGTERM");
        IContainer container = await ctx.LoadAsync(args.Id).ConfigureAwait(false);
        bool all = args.GetBool("all");
        ContainerStatus status = container.Status;
        if (status == ContainerStatus.Stopped)
        {
            if (all)
            {
                return 0; // runc: nothing left to signal is not an error with --all
            }
            throw new CliException("container not running");
        }
        await container.SignalAsync((Signal)signal, all).ConfigureAwait(false);
        if (status == ContainerStatus.Paused && signal == (int)Signal.Kill)
        {
            // A frozen (cgroup v1) task dies only once thawed: runc thaws after SIGKILL, so do we.
            await ThawAsync(container).ConfigureAwait(false);
        }
        return 0;
    }

    private static async Task<int> DeleteAsync(CommandContext ctx, ParsedArgs args)
    {
        bool force = args.GetBool("force");
        IContainer container;
        try
        {
            container = await ctx.Factory.LoadAsync(args.Id).ConfigureAwait(false);
        }
        catch (ContainerNotFoundException)
        {
            if (force)
            {
                return 0; // runc: delete --force of a container that is not there succeeds
            }
            throw new CliException("container does not exist");
        }
        ContainerStatus status = container.Status;
        if (!force && status is not (ContainerStatus.Stopped or ContainerStatus.Created))
        {
            throw new CliException($"cannot delete container {container.Id} that is not stopped: {CommandContext.StatusName(status)}");
        }
        if (status == ContainerStatus.Paused)
        {
            // Kill while frozen, then thaw so the kill takes effect (runc's order: nothing runs in between).
            await container.SignalAsync(Signal.Kill, all: true).ConfigureAwait(false);
            await ThawAsync(container).ConfigureAwait(false);
        }
        await container.DestroyAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>Thaws after a SIGKILL; the kernel may have let the kill through already (then the container is stopped, not paused).</summary>
    private static async Task ThawAsync(IContainer container)
    {
        try
        {
            await container.ResumeAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Not paused any more: the processes are gone.
        }
    }

    private static async Task<int> PauseAsync(CommandContext ctx, ParsedArgs args)
    {
        IContainer container = await ctx.LoadAsync(args.Id).ConfigureAwait(false);
        if (container.Status is not (ContainerStatus.Running or ContainerStatus.Created))
        {
            throw new CliException("container not running");
        }
        await container.PauseAsync().ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> ResumeAsync(CommandContext ctx, ParsedArgs args)
    {
        IContainer container = await ctx.LoadAsync(args.Id).ConfigureAwait(false);
        if (container.Status != ContainerStatus.Paused)
        {
            throw new CliException("container not paused");
        }
        await container.ResumeAsync().ConfigureAwait(false);
        return 0;
    }
}
