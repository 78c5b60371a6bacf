using System.Diagnostics;
using LibContainer.IntegrationTests.Infrastructure;
using Process = System.Diagnostics.Process;

namespace LibContainer.IntegrationTests;

/// <summary>
/// What disposing means (IContainer's remarks, the README, IFactory's example): a container a
/// handle made is destroyed with it, as Testcontainers removes one; a loaded handle only lets go;
/// and KillOnHostExit makes a container die with the process that made it, also under SIGKILL.
/// </summary>
public sealed class DisposalTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    [Fact]
    public async Task DisposeAsync_RunContainer_DestroysItAndTheIdCanBeUsedAgain()
    {
        string id = NewId();
        int pid;
        await using (IContainer container = await Factory.RunAsync(id, Spec("sleep", "100"), Piped, Token))
        {
            pid = container.InitProcess.Pid;
            HostSnapshot.CgroupDirectories().Should().Contain(d => d.EndsWith("/" + id, StringComparison.Ordinal));
        }

        Directory.Exists(Path.Combine(StateRoot, id)).Should().BeFalse("disposing removes the state");
        HostSnapshot.CgroupDirectories().Should().NotContain(d => d.EndsWith("/" + id, StringComparison.Ordinal));
        Directory.Exists($"/proc/{pid}").Should().BeFalse("the init is killed and reaped");
        await using IContainer again = await Factory.RunAsync(id, Spec("true"), Piped, Token);
        (await again.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task DisposeAsync_DestroyOnDisposeFalse_LeavesTheContainerRunning()
    {
        string id = NewId();
        IContainer container = await Factory.RunAsync(id, Spec("sleep", "100"), Piped with { DestroyOnDispose = false }, Token);
        await container.DisposeAsync();

        IContainer loaded = Track(await Factory.LoadAsync(id, Token));
        loaded.Status.Should().Be(ContainerStatus.Running);
    }

    [Fact]
    public async Task DisposeAsync_LoadedHandle_LeavesTheContainer()
    {
        IContainer container = await RunAsync(Spec("sleep", "100"));

        await using (IContainer loaded = await Factory.LoadAsync(container.Id, Token))
        {
            loaded.Status.Should().Be(ContainerStatus.Running);
        }

        container.Status.Should().Be(ContainerStatus.Running);
        (await Factory.ListAsync(Token)).Should().Contain(container.Id);
    }

    [Fact]
    public async Task DisposeAsync_AfterDestroyAndTheIdReused_LeavesTheNewContainer()
    {
        string id = NewId();
        IContainer first = await Factory.RunAsync(id, Spec("sleep", "100"), Piped, Token);
        await first.DestroyAsync(Token);
        IContainer second = Track(await Factory.RunAsync(id, Spec("sleep", "100"), Piped, Token));

        await first.DisposeAsync();

        second.Status.Should().Be(ContainerStatus.Running, "the first handle's container is gone; the second is not its");
    }

    [Fact]
    public async Task KillOnHostExit_WithDetached_IsRefused()
    {
        Func<Task> create = () => Factory.CreateAsync(NewId(), Spec("true"), new ContainerOptions { KillOnHostExit = true, Detached = true }, Token);

        (await create.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("KillOnHostExit");
    }

    [Fact]
    public void KillOnHostExit_Plan_SetsTheParentDeathSignalBeforeReady()
    {
        string plan = Factory.Explain(Spec("true"), new ContainerOptions { KillOnHostExit = true }).ToString();

        plan.Should().Contain("PR_SET_PDEATHSIG");
        plan.IndexOf("PR_SET_PDEATHSIG", StringComparison.Ordinal).Should().BeLessThan(plan.IndexOf("report ready", StringComparison.Ordinal));
        Factory.Explain(Spec("true")).ToString().Should().NotContain("PR_SET_PDEATHSIG");
    }

    /// <summary>
    /// The kernel sends the parent-death signal when the parent thread exits: a container made from a
    /// thread that ends must live on (the library spawns those from a thread that lives as long as the process).
    /// </summary>
    [Fact]
    public async Task KillOnHostExit_ThreadThatCreatedItEnds_ContainerLives()
    {
        IContainer? container = null;
        var thread = new Thread(() => container = Factory.RunAsync(NewId(), Spec("sleep", "100"), Piped with { KillOnHostExit = true }, Token).GetAwaiter().GetResult());
        thread.Start();
        thread.Join();
        Track(container!);

        await Task.Delay(300, Token);

        container!.Status.Should().Be(ContainerStatus.Running);
        IsAlive(container.InitProcess.Pid).Should().BeTrue();
    }

    /// <summary>The sample (a host of the public API) runs a KillOnHostExit container; SIGKILL to the sample ends it.</summary>
    [Fact]
    public async Task KillOnHostExit_HostSigkilled_ContainerDies()
    {
        string built = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "LibContainer.Sample", new DirectoryInfo(AppContext.BaseDirectory).Name));
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(dotnet, [Path.Combine(built, "LibContainer.Sample.dll"), "--kill-with-host"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process host = Process.Start(start)!;
        string? line = await host.StandardOutput.ReadLineAsync(Token);
        line.Should().StartWith("container pid ", await (host.HasExited ? host.StandardError.ReadToEndAsync(Token) : Task.FromResult("")));
        string[] words = line!.Split(' ');
        int pid = int.Parse(words[2].TrimEnd(','), System.Globalization.CultureInfo.InvariantCulture);
        string stateRoot = words[^1];
        try
        {
            IsAlive(pid).Should().BeTrue();
            await Task.Delay(300, Token);
            IsAlive(pid).Should().BeTrue("the container lives while its host does");

            host.Kill();
            await host.WaitForExitAsync(Token);

            var waited = Stopwatch.StartNew();
            while (IsAlive(pid) && waited.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(20, Token);
            }
            IsAlive(pid).Should().BeFalse("the container's init dies with its host (dead or a zombie for its new parent)");
        }
        finally
        {
            // The host died without destroying it: its state and cgroups are cleaned up from here.
            var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = stateRoot });
            await (await factory.LoadAsync("sample", Token)).DestroyAsync(Token);
            Directory.Delete(Path.GetDirectoryName(stateRoot)!, recursive: true);
        }
    }

    /// <summary>Running, sleeping or stopped, not a zombie and not gone.</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
