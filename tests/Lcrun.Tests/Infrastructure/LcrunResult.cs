namespace Lcrun.Tests.Infrastructure;

/// <summary>How an lcrun invocation ended: its exit code and what it wrote.</summary>
public sealed record LcrunResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}; stdout: {Stdout}; stderr: {Stderr}";
}
