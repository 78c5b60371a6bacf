using LibContainer.Spec;

namespace LibContainer;

/// <summary>A container: an isolated process tree made from an OCI runtime spec.</summary>
/// <remarks>
/// Disposing a container that this handle made (<see cref="IFactory.CreateAsync"/>,
/// <see cref="IFactory.RunAsync"/>, <see cref="IFactory.RestoreAsync"/>) destroys it, as
/// <see cref="DestroyAsync"/> does, unless <see cref="ContainerOptions.DestroyOnDispose"/> was false:
/// <c>await using var c = await factory.RunAsync(...)</c> leaves nothing behind. Disposing a handle
/// from <see cref="IFactory.LoadAsync"/> only lets go of it: the container belongs to whoever made it.
/// Either way the handle's streams (stdio, terminal) are closed. Cancelling a token never kills a
/// container: it ends the wait (<see cref="OperationCanceledException"/>), and an operation that was
/// making something (create, run, restore) undoes it before the exception is thrown.
/// </remarks>
public interface IContainer : IAsyncDisposable
{
    /// <summary>The container's id, unique under its factory's state root.</summary>
    string Id { get; }

    /// <summary>
    /// The status, derived from live facts each time it is read: whether the init process is alive
    /// (the same process, not a reused pid, and not a zombie) and whether it still waits for start.
    /// Each read does I/O (/proc/&lt;pid&gt;/stat, the exec fifo, the freezer's state: a few small
    /// reads, microseconds), so read it once into a local where one answer is wanted; to learn when
    /// the container ends, await <see cref="IProcess.WaitForExitAsync"/> instead of polling it.
    /// </summary>
    ContainerStatus Status { get; }

    /// <summary>The spec the container was created from.</summary>
    RuntimeSpec Config { get; }

    /// <summary>The bundle directory, if the container was created from one.</summary>
    string? Bundle { get; }

    /// <summary>The root filesystem's directory on the host, as root.path resolved against the bundle at create.</summary>
    string Rootfs { get; }

    /// <summary>When the container was created.</summary>
    DateTimeOffset Created { get; }

    /// <summary>The container's first process (the spec's <c>process</c>).</summary>
    IProcess InitProcess { get; }

    /// <summary>The OCI state: ociVersion, id, status, pid, bundle and annotations.</summary>
    ContainerState GetState();

    /// <summary>Starts a created container: its init execs the user's program. Works from any process that loaded it.</summary>
    /// <exception cref="InvalidOperationException">The container is not <see cref="ContainerStatus.Created"/>.</exception>
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>Freezes every process of the container (cgroup freezer); <see cref="Status"/> becomes <see cref="ContainerStatus.Paused"/>.</summary>
    /// <exception cref="InvalidOperationException">The container is not running or created.</exception>
    /// <exception cref="ContainerException">The kernel did not report the cgroup frozen in time.</exception>
    Task PauseAsync(CancellationToken cancellationToken = default);

    /// <summary>Thaws a paused container.</summary>
    /// <exception cref="InvalidOperationException">The container is not paused.</exception>
    Task ResumeAsync(CancellationToken cancellationToken = default);

    /// <summary>Resource usage: cpu, memory, pids, block io, hugetlb (from the cgroups) and the network interfaces of its namespace.</summary>
    Task<ContainerStats> GetStatsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes the resources of a live container (runc update). The values are validated first; if
    /// the kernel refuses one, what was written is rolled back before the error is thrown. Unset
    /// fields keep their current values.
    /// </summary>
    /// <exception cref="SpecValidationException">A value is invalid; the error names its JSON path.</exception>
    Task UpdateAsync(LinuxResources resources, CancellationToken cancellationToken = default);

    /// <summary>
    /// The container's cgroup events as they happen: OOM kills, and memory pressure levels (v1).
    /// Ends when the container's cgroup goes away or the token is cancelled.
    /// </summary>
    IAsyncEnumerable<ContainerEvent> WatchEventsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs another process in the running container (runc exec): it joins every namespace and the
    /// cgroups of the container and applies its own user, capabilities, rlimits, env, cwd and
    /// terminal. Its exit status comes back through the returned process.
    /// </summary>
    /// <exception cref="InvalidOperationException">The container is not running (paused or stopped).</exception>
    /// <exception cref="SpecValidationException">The process spec is invalid.</exception>
    /// <exception cref="ContainerStartException">A step failed; the message names it and errno.</exception>
    Task<IProcess> ExecAsync(Process process, ExecOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Checkpoints the container's processes with CRIU into <see cref="CriuOptions.ImagePath"/> (runc
    /// checkpoint). Without <see cref="CheckpointOptions.LeaveRunning"/> (or a pre-dump) the processes
    /// end with the checkpoint and the container is <see cref="ContainerStatus.Stopped"/> when this
    /// returns; <see cref="IFactory.RestoreAsync"/> brings it back, under this id or another.
    /// </summary>
    /// <exception cref="InvalidOperationException">The container is not running or paused.</exception>
    /// <exception cref="CheckpointException">CRIU is missing, too old, lacks a feature, or failed; the message has the end of its log.</exception>
    Task CheckpointAsync(CheckpointOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// Restores this container, stopped by its checkpoint, under its own id, spec and bundle (unless
    /// <see cref="RestoreOptions.BundlePath"/> names another): what is left of it is destroyed first (as
    /// runc does after a checkpoint), then it is restored as <see cref="IFactory.RestoreAsync"/> does.
    /// Returns the restored container; this object then describes the stopped one.
    /// </summary>
    /// <exception cref="InvalidOperationException">The container is not stopped.</exception>
    /// <exception cref="CheckpointException">CRIU is missing, too old, or failed; the message has the end of its log.</exception>
    Task<IContainer> RestoreAsync(RestoreOptions options, CancellationToken cancellationToken = default);

    /// <summary>Sends a signal to the container's init, or with <paramref name="all"/> to every process in it.</summary>
    ValueTask SignalAsync(Signal signal, bool all = false, CancellationToken cancellationToken = default);

    /// <summary>The host pids of every process in the container.</summary>
    Task<IReadOnlyList<int>> GetProcessesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Kills every process of the container, waits for them, and removes its cgroups and state.
    /// Idempotent; works in every status and from whatever a crash left (a half-created or
    /// half-deleted container, missing cgroup directories, an unreadable state.json). The wait for
    /// the init is bounded (10 s after SIGKILL); zombies of the container's pid namespace whose
    /// parent is this process are reaped on the way.
    /// </summary>
    /// <exception cref="ContainerException">The init did not exit in time; the message says what it
    /// waits for (for example a zombie of its pid namespace another process has not reaped). The
    /// state is kept, so destroy can be retried.</exception>
    Task DestroyAsync(CancellationToken cancellationToken = default);
}
