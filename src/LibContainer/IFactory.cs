using LibContainer.Init;
using LibContainer.Spec;

namespace LibContainer;

/// <summary>Creates containers from OCI runtime specs, and loads the ones that already exist.</summary>
/// <remarks>
/// Every error about a container derives from <see cref="ContainerException"/> (bad specs and ids are
/// <see cref="ArgumentException"/>s, <see cref="SpecValidationException"/> naming each field); their
/// constructors are public, so a fake factory in a consumer's tests can throw them. Cancelling a
/// token ends the wait with <see cref="OperationCanceledException"/>: it never kills a container, and
/// a create, run or restore that is cancelled undoes what it made before the exception is thrown.
/// </remarks>
/// <example>
/// <code>
/// var factory = new ContainerFactory();
/// RuntimeSpec spec = RuntimeSpec.Load("/bundles/web/config.json");
/// await using var web = await factory.RunAsync("web", spec, new ContainerOptions { BundlePath = "/bundles/web" });
/// ExitStatus status = await web.InitProcess.WaitForExitAsync();
/// // Disposed here: the container is destroyed (processes killed, state and cgroups removed).
/// </code>
/// </example>
public interface IFactory
{
    /// <summary>The directory that holds one state directory per container (default /run/libcontainer).</summary>
    string StateRoot { get; }

    /// <summary>
    /// Creates a container: validates the spec, makes its namespaces and root filesystem, and leaves
    /// its init waiting before the user's program (<see cref="ContainerStatus.Created"/>).
    /// Any failure undoes everything made so far before the exception reaches the caller.
    /// </summary>
    /// <exception cref="SpecValidationException">The spec is invalid; every error names its JSON path.</exception>
    /// <exception cref="ArgumentException">The id is invalid.</exception>
    /// <exception cref="ContainerAlreadyExistsException">A container with this id exists under <see cref="StateRoot"/>.</exception>
    /// <exception cref="ContainerStartException">A step of the init failed; the message names it and errno.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; what was made so far is undone first.</exception>
    Task<IContainer> CreateAsync(string id, RuntimeSpec spec, ContainerOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates and starts a container (create, then start) without a pause between: the init goes on
    /// to exec as soon as it is ready, as crun's run does. A failure of either is thrown, and the
    /// container is destroyed first.
    /// </summary>
    Task<IContainer> RunAsync(string id, RuntimeSpec spec, ContainerOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Restores a checkpointed container (runc restore) under <paramref name="id"/>, which may differ
    /// from the checkpointed one: its state and cgroups are made from <paramref name="spec"/> (the
    /// spec it was created with), then CRIU recreates its namespaces, mounts and processes, which go
    /// on from where the checkpoint stopped. The container is <see cref="ContainerStatus.Running"/>.
    /// Any failure undoes everything made so far.
    /// </summary>
    /// <exception cref="CheckpointException">CRIU is missing, too old, or failed; the message has the end of its log.</exception>
    /// <exception cref="ArgumentException">The id is invalid, or the image directory does not exist.</exception>
    /// <exception cref="ContainerAlreadyExistsException">A container with this id exists under <see cref="StateRoot"/>.</exception>
    Task<IContainer> RestoreAsync(string id, RuntimeSpec spec, RestoreOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// Loads an existing container by id, made by this or any other process. Disposing the handle does
    /// not destroy the container; <see cref="IContainer.DestroyAsync"/> does.
    /// </summary>
    /// <exception cref="ContainerNotFoundException">No container has that id.</exception>
    Task<IContainer> LoadAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// The ids of the containers under <see cref="StateRoot"/>: every directory that holds an id, also
    /// what a crash left half made or half deleted (it loads as <see cref="ContainerStatus.Stopped"/>
    /// and <see cref="IContainer.DestroyAsync"/> removes it).
    /// </summary>
    Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Compiles a spec into the plan the native init would run, without touching the kernel:
    /// <c>ToString()</c> shows every step, in order.
    /// </summary>
    InitPlan Explain(RuntimeSpec spec, ContainerOptions? options = null);
}
