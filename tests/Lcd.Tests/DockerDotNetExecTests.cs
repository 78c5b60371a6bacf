using Docker.DotNet;
using Docker.DotNet.Models;
using Lcd.Tests.Infrastructure;

namespace Lcd.Tests;

/// <summary>Docker.DotNet against lcd for exec, stats, top, pause, rename and events: the endpoints, their status codes and the stream framing.</summary>
public sealed class DockerDotNetExecTests : IAsyncLifetime
{
    private LcdDaemon _lcd = null!;
    private DockerClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _lcd = await LcdDaemon.StartWithBusyboxAsync();
        _client = new DockerClientConfiguration(new Uri(_lcd.Host)).CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        IList<ContainerListResponse> left = await _client.Containers.ListContainersAsync(new ContainersListParameters { All = true }, CancellationToken.None);
        _client.Dispose();
        await _lcd.DisposeAsync();
        left.Should().BeEmpty("each test removes its containers");
    }

    private async Task<string> RunAsync(string name, params string[] cmd)
    {
        CreateContainerResponse created = await _client.Containers.CreateContainerAsync(new CreateContainerParameters { Name = name, Image = "busybox", Cmd = cmd }, Ct);
        (await _client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), Ct)).Should().BeTrue();
        return created.ID;
    }

    private Task RemoveAsync(string id) => _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, Ct);

    private static async Task<System.Net.HttpStatusCode> StatusOf(Func<Task> call) =>
        (await call.Should().ThrowAsync<DockerApiException>()).Which.StatusCode;

    [Fact]
    public async Task Exec_FramedStreamsAndInspect()
    {
        string id = await RunAsync("dn-exec", "sleep", "300");

        ContainerExecCreateResponse exec = await _client.Exec.ExecCreateContainerAsync(id, new ContainerExecCreateParameters
        {
            AttachStdout = true,
            AttachStderr = true,
            Cmd = ["sh", "-c", "echo \"got $X\"; echo to-err >&2; exit 3"],
            Env = ["X=1"],
        }, Ct);
        ContainerExecInspectResponse before = await _client.Exec.InspectContainerExecAsync(exec.ID, Ct);
        before.Running.Should().BeFalse();
        before.ContainerID.Should().Be(id);

        using (MultiplexedStream stream = await _client.Exec.StartAndAttachContainerExecAsync(exec.ID, tty: false, Ct))
        {
            (string stdout, string stderr) = await stream.ReadOutputToEndAsync(Ct);
            stdout.Should().Be("got 1\n", "stdout arrives in stream-1 frames (and the exec's env is set)");
            stderr.Should().Be("to-err\n", "stderr arrives in stream-2 frames");
        }

        ContainerExecInspectResponse after = await _client.Exec.InspectContainerExecAsync(exec.ID, Ct);
        after.Running.Should().BeFalse();
        after.ExitCode.Should().Be(3);
        after.Pid.Should().BeGreaterThan(0);

        // An exec runs once.
        (await StatusOf(() => _client.Exec.StartAndAttachContainerExecAsync(exec.ID, tty: false, Ct))).Should().Be(System.Net.HttpStatusCode.Conflict);
        await RemoveAsync(id);
        (await StatusOf(() => _client.Exec.InspectContainerExecAsync(exec.ID, Ct))).Should().Be(System.Net.HttpStatusCode.NotFound, "an exec goes with its container");
    }

    [Theory]
    [InlineData("cat", "hello through stdin\n")]
    [InlineData("wc -c", "12\n")]
    public async Task ExecWithStdin_WrittenThenWriteSideClosed_ProcessReadsItAndOutputComesBack(string command, string expected)
    {
        string id = await RunAsync("dn-stdin", "sleep", "300");
        ContainerExecCreateResponse exec = await _client.Exec.ExecCreateContainerAsync(id, new ContainerExecCreateParameters
        {
            AttachStdin = true,
            AttachStdout = true,
            AttachStderr = true,
            Cmd = ["sh", "-c", command],
        }, Ct);

        string stdout, stderr;
        using (MultiplexedStream stream = await _client.Exec.StartAndAttachContainerExecAsync(exec.ID, tty: false, Ct))
        {
            byte[] input = System.Text.Encoding.UTF8.GetBytes(command == "cat" ? expected : "hello\nworld\n");
            await stream.WriteAsync(input, 0, input.Length, Ct);
            stream.CloseWrite(); // the process sees the end of its stdin
            (stdout, stderr) = await stream.ReadOutputToEndAsync(Ct);
        }

        stdout.Should().Be(expected, "the bytes written to the hijacked stream reach the process's stdin");
        stderr.Should().BeEmpty();
        (await _client.Exec.InspectContainerExecAsync(exec.ID, Ct)).ExitCode.Should().Be(0);
        await RemoveAsync(id);
    }

    [Fact]
    public async Task ExecWithTerminal_RawBytesAndResize()
    {
        string id = await RunAsync("dn-tty", "sleep", "300");
        ContainerExecCreateResponse exec = await _client.Exec.ExecCreateContainerAsync(id, new ContainerExecCreateParameters
        {
            AttachStdout = true,
            AttachStderr = true,
            Tty = true,
            Cmd = ["sh", "-c", "sleep 1; stty size; echo err >&2"],
        }, Ct);
        await _client.Exec.ResizeContainerExecTtyAsync(exec.ID, new ContainerResizeParameters { Height = 30, Width = 90 }, Ct);

        using MultiplexedStream stream = await _client.Exec.StartAndAttachContainerExecAsync(exec.ID, tty: true, Ct);
        await _client.Exec.ResizeContainerExecTtyAsync(exec.ID, new ContainerResizeParameters { Height = 31, Width = 91 }, Ct);
        (string stdout, string stderr) = await stream.ReadOutputToEndAsync(Ct);

        stdout.Should().Be("31 91\r\nerr\r\n", "a terminal is one raw stream; the resize reached it");
        stderr.Should().BeEmpty();
        (await _client.Exec.InspectContainerExecAsync(exec.ID, Ct)).ExitCode.Should().Be(0);
        await RemoveAsync(id);
    }

    [Fact]
    public async Task Exec_StatusCodes_AsDockerd()
    {
        var parameters = new ContainerExecCreateParameters { Cmd = ["true"], AttachStdout = true };
        (await StatusOf(() => _client.Exec.ExecCreateContainerAsync("no-such-container", parameters, Ct))).Should().Be(System.Net.HttpStatusCode.NotFound);
        (await StatusOf(() => _client.Exec.InspectContainerExecAsync("no-such-exec", Ct))).Should().Be(System.Net.HttpStatusCode.NotFound);
        (await StatusOf(() => _client.Exec.ResizeContainerExecTtyAsync("no-such-exec", new ContainerResizeParameters { Height = 1, Width = 1 }, Ct))).Should().Be(System.Net.HttpStatusCode.NotFound);

        CreateContainerResponse stopped = await _client.Containers.CreateContainerAsync(new CreateContainerParameters { Name = "dn-stopped", Image = "busybox", Cmd = ["true"] }, Ct);
        (await StatusOf(() => _client.Exec.ExecCreateContainerAsync(stopped.ID, parameters, Ct))).Should().Be(System.Net.HttpStatusCode.Conflict, "a container that is not running");

        string id = await RunAsync("dn-paused", "sleep", "300");
        ContainerExecCreateResponse early = await _client.Exec.ExecCreateContainerAsync(id, parameters, Ct);
        await _client.Containers.PauseContainerAsync(id, Ct);
        (await StatusOf(() => _client.Exec.ExecCreateContainerAsync(id, parameters, Ct))).Should().Be(System.Net.HttpStatusCode.Conflict, "a paused container");
        (await StatusOf(() => _client.Exec.StartAndAttachContainerExecAsync(early.ID, tty: false, Ct))).Should().Be(System.Net.HttpStatusCode.Conflict, "its container was paused after the create");
        (await StatusOf(() => _client.Containers.PauseContainerAsync(id, Ct))).Should().Be(System.Net.HttpStatusCode.Conflict);
        await _client.Containers.UnpauseContainerAsync(id, Ct);
        (await StatusOf(() => _client.Containers.UnpauseContainerAsync(id, Ct))).Should().Be(System.Net.HttpStatusCode.Conflict);
        (await StatusOf(() => _client.Containers.PauseContainerAsync(stopped.ID, Ct))).Should().Be(System.Net.HttpStatusCode.Conflict);

        ContainerExecCreateResponse empty = null!;
        (await StatusOf(async () => empty = await _client.Exec.ExecCreateContainerAsync(id, new ContainerExecCreateParameters { Cmd = [] }, Ct))).Should().Be(System.Net.HttpStatusCode.BadRequest);

        await RemoveAsync(id);
        await RemoveAsync(stopped.ID);
    }

    [Fact]
    public async Task StatsTopRename_Shapes()
    {
        string id = await RunAsync("dn-stats", "sleep", "300");

        var samples = new List<ContainerStatsResponse>();
        await _client.Containers.GetContainerStatsAsync(id, new ContainerStatsParameters { Stream = false }, new Progress(samples), Ct);
        samples.Should().ContainSingle();
        ContainerStatsResponse s = samples[0];
        s.ID.Should().Be(id);
        s.Name.Should().Be("/dn-stats");
        s.PidsStats.Current.Should().Be(1);
        s.MemoryStats.Usage.Should().BeGreaterThan(0);
        s.MemoryStats.Limit.Should().BeGreaterThan(0);
        s.CPUStats.CPUUsage.TotalUsage.Should().BeGreaterThan(0);
        s.CPUStats.SystemUsage.Should().BeGreaterThan(s.PreCPUStats.SystemUsage, "stream=false primes precpu_stats with a first sample");
        s.PreCPUStats.SystemUsage.Should().BeGreaterThan(0);
        s.CPUStats.OnlineCPUs.Should().Be((uint)Environment.ProcessorCount);
        s.Read.Should().BeAfter(s.PreRead);

        using (var streaming = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            var streamed = new List<ContainerStatsResponse>();
            var progress = new Progress(streamed, () =>
            {
                if (streamed.Count >= 2)
                {
                    streaming.Cancel();
                }
            });
            Func<Task> stream = () => _client.Containers.GetContainerStatsAsync(id, new ContainerStatsParameters { Stream = true }, progress, streaming.Token);
            await stream.Should().ThrowAsync<OperationCanceledException>();
            streamed.Should().HaveCountGreaterThanOrEqualTo(2);
            streamed[1].PreCPUStats.CPUUsage.TotalUsage.Should().Be(streamed[0].CPUStats.CPUUsage.TotalUsage, "each sample carries the previous one as precpu");
        }

        ContainerProcessesResponse top = await _client.Containers.ListProcessesAsync(id, new ContainerListProcessesParameters { PsArgs = "-o pid,args" }, Ct);
        top.Titles.Should().Equal("PID", "COMMAND");
        top.Processes.Should().ContainSingle().Which[1].Should().Be("sleep 300");

        await _client.Containers.RenameContainerAsync(id, new ContainerRenameParameters { NewName = "dn-renamed" }, Ct);
        (await _client.Containers.InspectContainerAsync("dn-renamed", Ct)).ID.Should().Be(id);
        (await StatusOf(() => _client.Containers.RenameContainerAsync("no-such", new ContainerRenameParameters { NewName = "x" }, Ct))).Should().Be(System.Net.HttpStatusCode.NotFound);
        await RemoveAsync(id);
        (await StatusOf(() => _client.Containers.ListProcessesAsync(id, new ContainerListProcessesParameters(), Ct))).Should().Be(System.Net.HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Events_LiveStream()
    {
        var seen = new List<Message>();
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var progress = new Progress<Message>(m =>
        {
            lock (seen)
            {
                seen.Add(m);
            }
        });
        Task monitor = _client.System.MonitorEventsAsync(new ContainerEventsParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["type"] = new Dictionary<string, bool> { ["container"] = true } },
        }, progress, watching.Token);
        await Task.Delay(300, Ct); // the subscription is made when the request arrives

        string id = await RunAsync("dn-events", "sleep", "300");
        await RemoveAsync(id);
        for (int i = 0; i < 100 && !seen.ToArray().Any(m => m.Action == "destroy"); i++)
        {
            await Task.Delay(50, Ct);
        }
        await watching.CancelAsync();
        try
        {
            await monitor;
        }
        catch (OperationCanceledException)
        {
        }

        Message[] messages;
        lock (seen)
        {
            messages = [.. seen];
        }
        messages.Select(m => m.Action).Should().Equal("create", "start", "kill", "die", "destroy");
        messages.Should().AllSatisfy(m =>
        {
            m.Type.Should().Be("container");
            m.Actor.ID.Should().Be(id);
            m.Actor.Attributes["name"].Should().Be("dn-events");
            m.TimeNano.Should().BeGreaterThan(0);
        });
    }

    /// <summary>A synchronous IProgress: Progress&lt;T&gt; would post to the thread pool and the test could read before it runs.</summary>
    private sealed class Progress(List<ContainerStatsResponse> samples, Action? after = null) : IProgress<ContainerStatsResponse>
    {
        public void Report(ContainerStatsResponse value)
        {
            samples.Add(value);
            after?.Invoke();
        }
    }
}
