using System.Text.RegularExpressions;
using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Spec;

namespace LibContainer.IntegrationTests;

/// <summary>
/// OCI hooks at their points of the lifecycle, each with the state JSON on stdin. Every hook appends
/// "==name" and its stdin to one log, in a directory bind-mounted into the container at the same
/// path, so the hooks that run inside (startContainer) write to the same file.
/// </summary>
[Collection(HostWideChecks.Name)]
public sealed partial class HookTests(RootfsFixture rootfs) : ContainerTest(rootfs), IDisposable
{
    private readonly string _logDir = Directory.CreateTempSubdirectory("lc-hooks-").FullName;

    private string Log => Path.Combine(_logDir, "log");

    public void Dispose() => Directory.Delete(_logDir, recursive: true);

    private Hook Logging(string name, string shell = "/bin/sh") =>
        new() { Path = shell, Args = ["sh", "-c", $"echo =={name} >> {Log}; cat >> {Log}; echo >> {Log}"] };

    private RuntimeSpec SpecWithHooks(params string[] args)
    {
        RuntimeSpec spec = Spec(args);
        spec.Mounts!.Add(new Mount { Destination = _logDir, Type = "bind", Source = _logDir, Options = ["rbind", "rw"] });
        spec.Hooks = new Hooks
        {
            Prestart = [Logging("prestart")],
            CreateRuntime = [Logging("createRuntime")],
            CreateContainer = [Logging("createContainer")],
            StartContainer = [Logging("startContainer")], // runs in the container: its /bin/sh is busybox
            Poststart = [Logging("poststart")],
            Poststop = [Logging("poststop")],
        };
        return spec;
    }

    /// <summary>A cgroup directory named like this suite's container ids (NewId: "t-" and 12 hex digits).</summary>
    private static bool IsTestContainer(string path) => TestId().IsMatch(path);

    [GeneratedRegex(@"/t-[0-9a-f]{12}$")]
    private static partial Regex TestId();

    [GeneratedRegex("""==(\w+)\s*\{.*?"status":\s*"(\w+)".*?\}""", RegexOptions.Singleline)]
    private static partial Regex Entry();

    private List<string> Entries() => Entry().Matches(File.ReadAllText(Log)).Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value}").ToList();

    [Fact]
    public async Task Hooks_RunInOrderWithTheRightStatus()
    {
        IContainer container = await CreateAsync(SpecWithHooks("true"));
        // "created", as crun gives them (runtime-tools' validation wants it): the runtime-spec's state for a
        // container whose create has made everything and whose program has not run.
        Entries().Should().Equal("prestart created", "createRuntime created", "createContainer created");

        await container.StartAsync(Token);
        await container.InitProcess.WaitForExitAsync(Token);
        await container.DestroyAsync(Token);

        Entries().Should().Equal(
            "prestart created", "createRuntime created", "createContainer created",
            "startContainer created", "poststart running", "poststop stopped");
        File.ReadAllText(Log).Should().Contain($"\"id\": \"{container.Id}\"").And.Contain($"\"pid\": {container.InitProcess.Pid}");
        // The spec: for hooks in the container namespaces, "the pid as seen by the container" (1 in its own pid namespace).
        string[] sections = File.ReadAllText(Log).Split("==", StringSplitOptions.RemoveEmptyEntries);
        sections.Single(s => s.StartsWith("createContainer", StringComparison.Ordinal)).Should().Contain("\"pid\": 1,");
        sections.Single(s => s.StartsWith("startContainer", StringComparison.Ordinal)).Should().Contain("\"pid\": 1,");
        sections.Single(s => s.StartsWith("prestart", StringComparison.Ordinal)).Should().Contain($"\"pid\": {container.InitProcess.Pid},");
    }

    [Fact]
    public async Task CreateRuntimeHook_Failing_AbortsCreateAndLeavesNothing()
    {
        RuntimeSpec spec = SpecWithHooks("true");
        spec.Hooks!.CreateRuntime = [new Hook { Path = "/bin/sh", Args = ["sh", "-c", "echo refused >&2; exit 3"] }];
        HostSnapshot before = HostSnapshot.Take();
        string id = NewId();

        Func<Task> create = () => Factory.CreateAsync(id, spec, cancellationToken: Token);

        (await create.Should().ThrowAsync<ContainerException>()).Which.Message
            .Should().Contain("hooks.createRuntime[0]").And.Contain("exit code 3").And.Contain("refused");
        Directory.Exists(Path.Combine(StateRoot, id)).Should().BeFalse();
        await AssertNothingLeftAsync(before);
        Entries().Should().Equal("prestart created"); // the hooks before the failing one ran, none after it
    }

    [Fact]
    public async Task CreateContainerHook_MissingPath_ErrorNamesHookAndLeavesNothing()
    {
        RuntimeSpec spec = Spec("true");
        spec.Hooks = new Hooks { CreateContainer = [new Hook { Path = "/no/such/hook" }] };
        HostSnapshot before = HostSnapshot.Take();

        Func<Task> create = () => Factory.CreateAsync(NewId(), spec, cancellationToken: Token);

        (await create.Should().ThrowAsync<ContainerStartException>()).Which.Message
            .Should().Contain("hooks.createContainer[0]").And.Contain("/no/such/hook").And.Contain("errno 2");
        await AssertNothingLeftAsync(before);
    }

    [Fact]
    public async Task CreateRuntimeHook_MissingPath_ErrorNamesHook()
    {
        RuntimeSpec spec = Spec("true");
        spec.Hooks = new Hooks { CreateRuntime = [new Hook { Path = "/no/such/hook" }] };

        Func<Task> create = () => Factory.CreateAsync(NewId(), spec, cancellationToken: Token);

        (await create.Should().ThrowAsync<ContainerException>()).Which.Message.Should().Contain("hooks.createRuntime[0]").And.Contain("/no/such/hook");
    }

    [Fact]
    public async Task StartContainerHook_Failing_StartFailsNamingIt()
    {
        RuntimeSpec spec = Spec("true");
        spec.Hooks = new Hooks { StartContainer = [new Hook { Path = "/bin/sh", Args = ["sh", "-c", "exit 9"] }] };
        IContainer container = await CreateAsync(spec);

        Func<Task> start = () => container.StartAsync(Token);

        (await start.Should().ThrowAsync<ContainerStartException>()).Which.Message.Should().Contain("hooks.startContainer[0]").And.Contain("exit code 9");
        (await container.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().NotBe(0);
    }

    [Fact]
    public async Task Hook_Timeout_KilledAndReported()
    {
        RuntimeSpec spec = Spec("true");
        spec.Hooks = new Hooks { CreateContainer = [new Hook { Path = "/bin/sleep", Args = ["sleep", "30"], Timeout = 1 }] };

        Func<Task> create = () => Factory.CreateAsync(NewId(), spec, cancellationToken: Token);

        (await create.Should().ThrowAsync<ContainerStartException>()).Which.Message.Should().Contain("timeout").And.Contain("hooks.createContainer[0]");
    }

    [Fact]
    public async Task RuntimeHook_Timeout_KilledReapedAndReported()
    {
        // A runtime-namespace hook (run by the library, on the host) that outlives its timeout.
        RuntimeSpec spec = Spec("true");
        spec.Hooks = new Hooks { Prestart = [new Hook { Path = "/bin/sleep", Args = ["sleep", "30"], Timeout = 1 }] };
        HostSnapshot before = HostSnapshot.Take();

        Func<Task> create = () => Factory.CreateAsync(NewId(), spec, cancellationToken: Token);

        (await create.Should().ThrowAsync<ContainerException>()).Which.Message.Should()
            .Contain("hooks.prestart[0]: /bin/sleep did not finish within its timeout of 1 s and was killed");
        HostSnapshot.ChildPids().Should().BeSubsetOf(before.Children, "the hook and the init are reaped");
    }

    [Fact]
    public async Task PoststartHook_Failing_IsLoggedAndTheContainerRuns()
    {
        RuntimeSpec spec = Spec("sleep", "100");
        spec.Hooks = new Hooks { Poststart = [new Hook { Path = "/bin/false" }] };

        IContainer container = await RunAsync(spec);

        container.Status.Should().Be(ContainerStatus.Running);
    }

    private static async Task AssertNothingLeftAsync(HostSnapshot before)
    {
        HostSnapshot after = HostSnapshot.Take();
        for (int i = 0; i < 200 && after.Children.Count > before.Children.Count; i++)
        {
            await Task.Delay(10, Token);
            after = HostSnapshot.Take();
        }
        after.Children.Should().BeEquivalentTo(before.Children);
        after.Mounts.Where(m => m.Contains("libcontainer-it-", StringComparison.Ordinal)).Should().BeEquivalentTo(
            before.Mounts.Where(m => m.Contains("libcontainer-it-", StringComparison.Ordinal)));
        after.Cgroups.Where(IsTestContainer).Should().BeEquivalentTo(before.Cgroups.Where(IsTestContainer), "no container cgroup may be left");
    }
}
