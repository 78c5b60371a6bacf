using System.Diagnostics;
using System.Diagnostics.Metrics;
using LibContainer.Diagnostics;
using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Spec;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LibContainer.IntegrationTests;

/// <summary>
/// What an embedding host gets besides the lifecycle: a run in one call, generated ids,
/// services.AddLibContainer, spans and metrics, and log messages scoped by container id.
/// </summary>
[Collection(HostWideChecks.Name)] // the listeners see every container of the process: none of another test's
public sealed class EmbeddingTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    [Fact]
    public async Task RunToCompletionAsync_DefaultSpec_ReturnsStatusAndBothStreamsAndLeavesNothing()
    {
        RuntimeSpec spec = RuntimeSpec.CreateDefault(); // terminal: true, as runc spec writes
        spec.Root = new Root { Path = Fixture.Rootfs!, Readonly = true };
        spec.Process!.Args = ["sh", "-c", "echo out; echo err >&2; exit 7"];

        ContainerRunResult result = await Factory.RunToCompletionAsync(spec, cancellationToken: Token);

        result.Status.ExitCode.Should().Be(7);
        result.Stdout.Should().Be("out\n");
        result.Stderr.Should().Be("err\n");
        result.ContainerId.Should().MatchRegex("^[0-9a-f]{32}$");
        (await Factory.ListAsync(Token)).Should().BeEmpty("the container is destroyed before the call returns");
        spec.Process.Terminal.Should().BeTrue("the caller's spec is not changed");
    }

    [Fact]
    public async Task RunToCompletionAsync_Cancelled_DestroysTheContainer()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));

        Func<Task> run = () => Factory.RunToCompletionAsync(Spec("sleep", "100"), id: "cancelled", cancellationToken: cancel.Token);

        await run.Should().ThrowAsync<OperationCanceledException>();
        (await Factory.ListAsync(Token)).Should().BeEmpty();
    }

    [Fact]
    public async Task RunAsync_WithoutId_GeneratesOne()
    {
        IContainer container = Track(await Factory.RunAsync(Spec("true"), Piped, Token));

        container.Id.Should().MatchRegex("^[0-9a-f]{32}$");
        (await Factory.ListAsync(Token)).Should().Equal(container.Id);
    }

    [Fact]
    public async Task AddLibContainer_ResolvesOneFactoryWithTheConfiguredOptions()
    {
        var services = new ServiceCollection();
        services.AddLibContainer(o => o.StateRoot = StateRoot);
        using ServiceProvider provider = services.BuildServiceProvider();

        IFactory factory = provider.GetRequiredService<IFactory>();

        factory.Should().BeSameAs(provider.GetRequiredService<ContainerFactory>());
        factory.StateRoot.Should().Be(StateRoot);
        provider.GetRequiredService<IOptions<ContainerFactoryOptions>>().Value.StateRoot.Should().Be(StateRoot);
        ContainerRunResult result = await factory.RunToCompletionAsync(Spec("echo", "from di"), cancellationToken: Token);
        result.Stdout.Should().Be("from di\n");
    }

    [Fact]
    public async Task Telemetry_CreateStartExecDestroy_AreSpansAndMeasurements()
    {
        var spans = new List<Activity>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = s => s.Name == LibContainerDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) { spans.Add(a); } },
        };
        ActivitySource.AddActivityListener(activities);
        var measurements = new List<(string Name, double Value)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == LibContainerDiagnostics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((i, v, _, _) => { lock (measurements) { measurements.Add((i.Name, v)); } });
        meters.SetMeasurementEventCallback<double>((i, v, _, _) => { lock (measurements) { measurements.Add((i.Name, v)); } });
        meters.Start();
        string id = NewId();

        IContainer container = await Factory.RunAsync(id, Spec("sleep", "100"), Piped, Token);
        IProcess exec = await container.ExecAsync(new Spec.Process { Args = ["/bin/true"], Cwd = "/", User = new User { Uid = 0, Gid = 0 } }, new ExecOptions(), Token);
        await exec.WaitForExitAsync(Token);
        await container.DisposeAsync();

        lock (spans)
        {
            spans.Where(s => (string?)s.GetTagItem("container.id") == id).Select(s => s.OperationName)
                .Should().Equal("container.create", "container.start", "container.exec", "container.destroy");
        }
        lock (measurements)
        {
            measurements.Select(m => m.Name).Should().Contain(["libcontainer.containers.created", "libcontainer.containers.started",
                "libcontainer.execs", "libcontainer.containers.destroyed", "libcontainer.container.create.duration"]);
            measurements.Where(m => m.Name.EndsWith(".duration", StringComparison.Ordinal)).Should().OnlyContain(m => m.Value > 0 && m.Value < 60);
        }
    }

    [Fact]
    public async Task Telemetry_FailedCreate_SpanIsAnErrorWithItsType()
    {
        Activity? failed = null;
        using var activities = new ActivityListener
        {
            ShouldListenTo = s => s.Name == LibContainerDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.OperationName == "container.create" && a.Status == ActivityStatusCode.Error)
                {
                    failed ??= a;
                }
            },
        };
        ActivitySource.AddActivityListener(activities);
        IContainer first = await CreateAsync(Spec("true"));

        Func<Task> duplicate = () => Factory.CreateAsync(first.Id, Spec("true"), cancellationToken: Token);

        await duplicate.Should().ThrowAsync<ContainerAlreadyExistsException>();
        failed.Should().NotBeNull();
        failed!.GetTagItem("error.type").Should().Be(typeof(ContainerAlreadyExistsException).FullName);
    }

    [Fact]
    public async Task Create_OnAHostWithCgroup2_TheInitIsBornInItsCgroup()
    {
        // clone3 with CLONE_INTO_CGROUP: no cgroup.procs write, so no wait for the kernel's
        // threadgroup lock (Init/CgroupJoin). lc-init falls back to a plain clone when the kernel
        // refuses, which works as well (Lcrun.Tests: Run_Clone3Refused_...) but would go unnoticed.
        bool cgroup2 = File.ReadLines("/proc/self/mountinfo").Any(l => l.Contains(" - cgroup2 ", StringComparison.Ordinal));
        var logger = new ScopeRecordingLoggerFactory();
        var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = StateRoot }, logger);

        await using (IContainer container = await factory.RunAsync(NewId(), Spec("true"), Piped, Token))
        {
            await container.InitProcess.WaitForExitAsync(Token);
        }

        logger.Messages.Should().ContainSingle(m => m.Message.Contains("cloned", StringComparison.Ordinal))
            .Which.Message.Should().EndWith($"born in its cgroup2 directory: {cgroup2}");
    }

    [Fact]
    public async Task Logging_MessagesOfAnOperation_AreScopedByContainerId()
    {
        var logger = new ScopeRecordingLoggerFactory();
        var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = StateRoot }, logger);
        string id = NewId();

        await using (IContainer container = await factory.RunAsync(id, Spec("true"), Piped, Token))
        {
            await container.InitProcess.WaitForExitAsync(Token);
        }

        logger.Messages.Should().Contain(m => m.Message.Contains("created", StringComparison.Ordinal) && m.Scopes.Contains($"Container {id}"));
        logger.Messages.Should().Contain(m => m.Message.Contains("started", StringComparison.Ordinal) && m.Scopes.Contains($"Container {id}"));
    }

    /// <summary>Records each message with the scopes open around it.</summary>
    private sealed class ScopeRecordingLoggerFactory : ILoggerFactory, ILogger
    {
        private readonly AsyncLocal<ImmutableStack?> _scopes = new();

        public List<(string Message, string[] Scopes)> Messages { get; } = [];

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider) { }

        public void Dispose() { }

        public IDisposable BeginScope<TState>(TState state) where TState : notnull
        {
            ImmutableStack? parent = _scopes.Value;
            _scopes.Value = new ImmutableStack(state.ToString() ?? "", parent);
            return new Pop(() => _scopes.Value = parent);
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<string>();
            for (ImmutableStack? s = _scopes.Value; s is not null; s = s.Parent)
            {
                scopes.Add(s.Value);
            }
            lock (Messages)
            {
                Messages.Add((formatter(state, exception), [.. scopes]));
            }
        }

        private sealed record ImmutableStack(string Value, ImmutableStack? Parent);

        private sealed class Pop(Action pop) : IDisposable
        {
            public void Dispose() => pop();
        }
    }
}
