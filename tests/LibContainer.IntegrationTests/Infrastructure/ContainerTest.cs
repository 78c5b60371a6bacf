using System.Text;
using LibContainer.Spec;

namespace LibContainer.IntegrationTests.Infrastructure;

/// <summary>
/// The base of the real-container tests: a factory with its own state root, a spec like `runc spec`
/// writes (terminal off), and every container destroyed at the end whatever the test did.
/// </summary>
public abstract class ContainerTest : IAsyncLifetime
{
    private readonly List<IContainer> _containers = [];

    protected ContainerTest(RootfsFixture rootfs)
    {
        Require.Root();
        Require.Busybox();
        Fixture = rootfs;
        StateRoot = Path.Combine(rootfs.WorkDir, $"state-{Guid.NewGuid():N}");
        Factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = StateRoot });
    }

    protected RootfsFixture Fixture { get; }

    protected string StateRoot { get; }

    protected ContainerFactory Factory { get; }

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    protected static string NewId() => $"t-{Guid.NewGuid():N}"[..14];

    /// <summary>The default spec on the shared rootfs, running <paramref name="args"/>.</summary>
    protected RuntimeSpec Spec(params string[] args)
    {
        RuntimeSpec spec = RuntimeSpec.CreateDefault();
        spec.Root = new Root { Path = Fixture.Rootfs!, Readonly = true };
        spec.Process!.Terminal = false;
        spec.Process.Args = [.. args];
        return spec;
    }

    protected async Task<IContainer> CreateAsync(RuntimeSpec spec, ContainerOptions? options = null, string? id = null)
    {
        IContainer container = await Factory.CreateAsync(id ?? NewId(), spec, options ?? Piped, Token);
        _containers.Add(container);
        return container;
    }

    protected async Task<IContainer> RunAsync(RuntimeSpec spec, ContainerOptions? options = null, string? id = null)
    {
        IContainer container = await CreateAsync(spec, options, id);
        await container.StartAsync(Token);
        return container;
    }

    /// <summary>Restores a checkpoint through the factory; the container is destroyed at the end like the others.</summary>
    protected async Task<IContainer> RestoreAsync(string id, RuntimeSpec spec, RestoreOptions options) =>
        Track(await Factory.RestoreAsync(id, spec, options, Token));

    /// <summary>A container made some other way, destroyed at the end like the others.</summary>
    protected IContainer Track(IContainer container)
    {
        _containers.Add(container);
        return container;
    }

    protected static ContainerOptions Piped => new() { Stdout = StdioMode.Pipe, Stderr = StdioMode.Pipe };

    /// <summary>Runs to the end and returns (exit status, stdout, stderr).</summary>
    protected async Task<(ExitStatus Status, string Stdout, string Stderr)> RunToEndAsync(RuntimeSpec spec)
    {
        IContainer container = await RunAsync(spec);
        Task<string> stdout = ReadAllAsync(container.InitProcess.StandardOutput!);
        Task<string> stderr = ReadAllAsync(container.InitProcess.StandardError!);
        ExitStatus status = await container.InitProcess.WaitForExitAsync(Token);
        return (status, await stdout, await stderr);
    }

    protected static async Task<string> ReadAllAsync(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
        return await reader.ReadToEndAsync(Token);
    }

    /// <summary>Polls <paramref name="condition"/> every 20 ms until it holds (at most 10 s: then the test fails, cancelled).</summary>
    protected static async Task WaitUntilAsync(Func<bool> condition) => await WaitUntilAsync(() => Task.FromResult(condition()));

    /// <inheritdoc cref="WaitUntilAsync(Func{bool})"/>
    protected static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public virtual async ValueTask DisposeAsync()
    {
        foreach (IContainer container in _containers)
        {
            await container.DestroyAsync(CancellationToken.None);
            await container.DisposeAsync();
        }
        if (Directory.Exists(StateRoot))
        {
            Directory.Delete(StateRoot, recursive: true);
        }
        // xunit v3 calls only DisposeAsync on a class that has both: a test class's own Dispose (its temp files) runs here.
        if (this is IDisposable disposable)
        {
            disposable.Dispose();
        }
        GC.SuppressFinalize(this);
    }
}
