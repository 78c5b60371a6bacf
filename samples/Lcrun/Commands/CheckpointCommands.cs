using Lcrun.Cli;

namespace Lcrun.Commands;

/// <summary>checkpoint and restore: not yet (CRIU support is its own issue); a clear error whatever the flags.</summary>
internal static class CheckpointCommands
{
    public static Command Checkpoint { get; } = new("checkpoint", "checkpoint a running container (not supported yet)", "<container-id>", [],
        (_, _) => throw new CliException("checkpoint is not supported yet"))
    {
        SkipFlagParsing = true,
    };

    public static Command Restore { get; } = new("restore", "restore a container from a previous checkpoint (not supported yet)", "<container-id>", [],
        (_, _) => throw new CliException("restore is not supported yet"))
    {
        SkipFlagParsing = true,
    };
}
