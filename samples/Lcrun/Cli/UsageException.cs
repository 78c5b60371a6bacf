namespace Lcrun.Cli;

/// <summary>A mistake on the command line: reported like any error, exit status 1.</summary>
internal sealed class UsageException(string message) : Exception(message);
