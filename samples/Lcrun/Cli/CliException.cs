namespace Lcrun.Cli;

/// <summary>An error of a command, with the message runc would print and the status to exit with.</summary>
internal sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
