namespace LibContainer.IntegrationTests.Infrastructure;

/// <summary>Tests that look at the whole host (our child processes, the mount table) run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostWideChecks
{
    public const string Name = "host-wide checks";
}
