namespace LibContainer;

/// <summary>What <see cref="FactoryExtensions.RunToCompletionAsync"/> returns: how the container's process ended and what it wrote.</summary>
/// <param name="ContainerId">The container's id (generated when none was given).</param>
/// <param name="Status">How the process ended: <see cref="ExitStatus.ExitCode"/>, or the signal that killed it.</param>
/// <param name="Stdout">Everything it wrote to stdout, as UTF-8 text.</param>
/// <param name="Stderr">Everything it wrote to stderr, as UTF-8 text.</param>
public sealed record ContainerRunResult(string ContainerId, ExitStatus Status, string Stdout, string Stderr);
