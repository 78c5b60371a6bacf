using LibContainer.Diagnostics;
using LibContainer.Init;
using LibContainer.Spec;
using LibContainer.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LibContainer;

/// <summary>The Linux <see cref="IFactory"/>: containers made by the native init, state kept under a state root.</summary>
/// <example>
/// <code>
/// var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = "/run/myapp" });
/// RuntimeSpec spec = RuntimeSpec.CreateDefault();
/// spec.Root = new Root { Path = "/srv/rootfs" };
/// spec.Process!.Terminal = false;
/// spec.Process.Args = ["echo", "hello"];
/// await using IContainer c = await factory.RunAsync("hello", spec, new ContainerOptions { Stdout = StdioMode.Pipe });
/// string text = await new StreamReader(c.InitProcess.StandardOutput!).ReadToEndAsync();
/// // Disposing c destroys the container (ContainerOptions.DestroyOnDispose).
/// </code>
/// </example>
public sealed class ContainerFactory : IFactory
{
    private readonly ContainerFactoryOptions _options;
    private readonly ILogger _logger;
    private string? _initPath;

    /// <summary>A factory with the given options (default: state under /run/libcontainer).</summary>
    public ContainerFactory(ContainerFactoryOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options is null ? new ContainerFactoryOptions() : options with { }; // a copy: later changes to the caller's do not reach this factory
        if (_options.SynchronousWaitLimit < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.SynchronousWaitLimit,
                "SynchronousWaitLimit: must not be negative (zero: every wait is asynchronous).");
        }
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("LibContainer");
    }

    /// <inheritdoc />
    public string StateRoot => _options.StateRoot;

    private string InitPath => _initPath ??= NativeInit.ExecutablePath(NativeInit.Locate(_options.InitPath));

    /// <inheritdoc />
    public async Task<IContainer> CreateAsync(string id, RuntimeSpec spec, ContainerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ContainerOptions();
        Container container = await Telemetry.RunAsync(Telemetry.Create, id, _logger,
            () => Container.CreateAsync(StateRoot, InitPath, id, spec, options, _options.SynchronousWaitLimit, _logger, cancellationToken)).ConfigureAwait(false);
        container.DestroyOnDispose = options.DestroyOnDispose;
        return container;
    }

    /// <inheritdoc />
    public async Task<IContainer> RunAsync(string id, RuntimeSpec spec, ContainerOptions? options = null, CancellationToken cancellationToken = default)
    {
        IContainer container = await CreateAsync(id, spec, (options ?? new ContainerOptions()) with { StartWhenReady = true }, cancellationToken)
            .ConfigureAwait(false);
        try
        {
            await container.StartAsync(cancellationToken).ConfigureAwait(false);
            return container;
        }
        catch
        {
            await container.DestroyAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<IContainer> RestoreAsync(string id, RuntimeSpec spec, RestoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Container container = await Container.RestoreAsync(StateRoot, InitPath, id, spec, options, _options.SynchronousWaitLimit, _logger, cancellationToken)
            .ConfigureAwait(false);
        container.DestroyOnDispose = options.DestroyOnDispose;
        return container;
    }

    /// <inheritdoc />
    public Task<IContainer> LoadAsync(string id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ContainerId.Validate(id);
        StateDirectory dir = StateDirectory.Open(StateRoot, id);
        if (!dir.Exists)
        {
            throw new ContainerNotFoundException(id, StateRoot);
        }
        return Task.FromResult<IContainer>(Container.Load(dir, () => InitPath, _options.SynchronousWaitLimit, _logger));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!Directory.Exists(StateRoot))
        {
            return Task.FromResult<IReadOnlyList<string>>([]);
        }
        // Every directory that holds an id, whatever a crash left in it (nothing, config.json only, a
        // state.json that cannot be read): each loads with a status and destroys.
        var ids = Directory.EnumerateDirectories(StateRoot)
            .Select(d => Path.GetFileName(d))
            .Where(ContainerId.IsValid)
            .Order(StringComparer.Ordinal)
            .ToList();
        return Task.FromResult<IReadOnlyList<string>>(ids);
    }

    /// <inheritdoc />
    public InitPlan Explain(RuntimeSpec spec, ContainerOptions? options = null) =>
        Container.Compile(spec, options ?? new ContainerOptions()).Plan;
}
