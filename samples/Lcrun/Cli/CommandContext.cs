using LibContainer;
using LibContainer.Spec;

namespace Lcrun.Cli;

/// <summary>What every command works with: the global options, the log, and the factory on --root.</summary>
internal sealed class CommandContext(GlobalOptions options, CliLog log)
{
    private ContainerFactory? _factory;

    public GlobalOptions Options { get; } = options;

    public CliLog Log { get; } = log;

    public ContainerFactory Factory
    {
        get
        {
            if (Options.SystemdCgroup)
            {
                // runc's own words for a host without systemd: lcrun has no systemd driver at all.
                throw new CliException("systemd cgroup flag passed, but systemd support for managing cgroups is not available");
            }
            // One call, then exit: waits on the init may hold this thread (it has nothing else to do)
            // rather than start the poller's and the thread pool's threads, which cost more here.
            return _factory ??= new ContainerFactory(
                new ContainerFactoryOptions { StateRoot = Options.Root, SynchronousWaitLimit = TimeSpan.FromSeconds(1) },
                new LibraryLoggerFactory(Log));
        }
    }

    /// <summary>Loads a container; a missing one is runc's "container does not exist".</summary>
    public async Task<IContainer> LoadAsync(string id)
    {
        try
        {
            return await Factory.LoadAsync(id).ConfigureAwait(false);
        }
        catch (ContainerNotFoundException)
        {
            throw new CliException("container does not exist");
        }
    }

    public async Task<bool> ExistsAsync(string id)
    {
        try
        {
            await using IContainer container = await Factory.LoadAsync(id).ConfigureAwait(false);
            return true;
        }
        catch (ContainerNotFoundException)
        {
            return false;
        }
    }

    /// <summary>A bundle's config.json, with runc's message when there is none.</summary>
    public static RuntimeSpec LoadBundleSpec(string bundle)
    {
        string path = Path.Combine(bundle, "config.json");
        if (!File.Exists(path))
        {
            throw new CliException(Directory.Exists(bundle)
                ? "JSON specification file config.json not found"
                : $"bundle {bundle} does not exist");
        }
        return RuntimeSpec.Load(path);
    }

    /// <summary>The status as runc spells it: created, running, paused, stopped.</summary>
    public static string StatusName(ContainerStatus status) => status.ToString().ToLowerInvariant();
}
