using System.Text;
using LibContainer.Spec;

namespace LibContainer;

/// <summary>Conveniences over <see cref="IFactory"/>: generated ids, and a whole run in one call.</summary>
/// <example>
/// <code>
/// var factory = new ContainerFactory();
/// RuntimeSpec spec = RuntimeSpec.CreateDefault();
/// spec.Root = new Root { Path = "/srv/rootfs" };
/// spec.Process!.Args = ["echo", "hello"];
/// ContainerRunResult result = await factory.RunToCompletionAsync(spec);
/// Console.Write(result.Stdout); // hello
/// </code>
/// </example>
public static class FactoryExtensions
{
    /// <summary>A new container id: 32 lower-case hex digits, as unique as a GUID (Docker's ids are hex too).</summary>
    /// <returns>The id.</returns>
    public static string NewContainerId() => Guid.NewGuid().ToString("N");

    /// <summary><see cref="IFactory.CreateAsync"/> under a generated id (<see cref="NewContainerId"/>; the container's <see cref="IContainer.Id"/>).</summary>
    /// <param name="factory">The factory.</param>
    /// <param name="spec">The container's spec.</param>
    /// <param name="options">How to create it.</param>
    /// <param name="cancellationToken">Ends the wait; what was made is undone.</param>
    /// <returns>The created container.</returns>
    public static Task<IContainer> CreateAsync(this IFactory factory, RuntimeSpec spec, ContainerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return factory.CreateAsync(NewContainerId(), spec, options, cancellationToken);
    }

    /// <summary><see cref="IFactory.RunAsync"/> under a generated id (<see cref="NewContainerId"/>; the container's <see cref="IContainer.Id"/>).</summary>
    /// <param name="factory">The factory.</param>
    /// <param name="spec">The container's spec.</param>
    /// <param name="options">How to create it.</param>
    /// <param name="cancellationToken">Ends the wait; what was made is undone.</param>
    /// <returns>The running container.</returns>
    public static Task<IContainer> RunAsync(this IFactory factory, RuntimeSpec spec, ContainerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return factory.RunAsync(NewContainerId(), spec, options, cancellationToken);
    }

    /// <summary>
    /// Runs a container to its end and returns its exit status, stdout and stderr (as
    /// Testcontainers' ExecAsync returns an exec's). The process runs without a terminal whatever
    /// <c>spec.Process.Terminal</c> says (its stdout and stderr are pipes; stdin is /dev/null unless
    /// <paramref name="options"/> says otherwise), under <paramref name="id"/> or a generated id, and
    /// the container is destroyed before this returns, also when it fails or is cancelled.
    /// </summary>
    /// <param name="factory">The factory.</param>
    /// <param name="spec">The container's spec; not changed.</param>
    /// <param name="options">How to create it; its Stdout and Stderr are replaced by pipes.</param>
    /// <param name="id">The container's id; null: <see cref="NewContainerId"/>.</param>
    /// <param name="cancellationToken">Kills the container (it is destroyed) and throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The exit status and the output.</returns>
    public static async Task<ContainerRunResult> RunToCompletionAsync(this IFactory factory, RuntimeSpec spec, ContainerOptions? options = null,
        string? id = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Process is { Terminal: true } process)
        {
            spec = spec with { Process = process with { Terminal = false } };
        }
        options = (options ?? new ContainerOptions()) with { Stdout = StdioMode.Pipe, Stderr = StdioMode.Pipe, DestroyOnDispose = true };
        IContainer container = await factory.RunAsync(id ?? NewContainerId(), spec, options, cancellationToken).ConfigureAwait(false);
        await using (container.ConfigureAwait(false))
        {
            Task<string> stdout = ReadAllAsync(container.InitProcess.StandardOutput!, cancellationToken);
            Task<string> stderr = ReadAllAsync(container.InitProcess.StandardError!, cancellationToken);
            ExitStatus status = await container.InitProcess.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return new ContainerRunResult(container.Id, status, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
    }

    private static async Task<string> ReadAllAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }
}
