using System.Diagnostics;
using System.Diagnostics.Metrics;
using LibContainer.Logging;
using Microsoft.Extensions.Logging;

namespace LibContainer.Diagnostics;

/// <summary>
/// One operation on a container as telemetry sees it: a log scope with the container's id, a span,
/// and on completion a count (success) and a duration (tagged error.type on failure).
/// </summary>
internal readonly struct Telemetry : IDisposable
{
    private static readonly ActivitySource s_source = new(LibContainerDiagnostics.ActivitySourceName);
    private static readonly Meter s_meter = new(LibContainerDiagnostics.MeterName);

    public static readonly Operation Create = new(s_meter, "container.create", "libcontainer.containers.created", "libcontainer.container.create.duration", "{container}");
    public static readonly Operation Start = new(s_meter, "container.start", "libcontainer.containers.started", "libcontainer.container.start.duration", "{container}");
    public static readonly Operation Exec = new(s_meter, "container.exec", "libcontainer.execs", "libcontainer.exec.duration", "{process}");
    public static readonly Operation Destroy = new(s_meter, "container.destroy", "libcontainer.containers.destroyed", "libcontainer.container.destroy.duration", "{container}");

    private readonly Operation _operation;
    private readonly IDisposable? _scope;
    private readonly Activity? _activity;
    private readonly long _started;

    private Telemetry(Operation operation, string containerId, ILogger logger)
    {
        _operation = operation;
        _scope = logger.ContainerScope(containerId);
        _activity = s_source.StartActivity(operation.SpanName);
        _activity?.SetTag("container.id", containerId);
        _started = Stopwatch.GetTimestamp();
    }

    /// <summary>Runs <paramref name="work"/> as <paramref name="operation"/> on <paramref name="containerId"/>.</summary>
    public static async Task<T> RunAsync<T>(Operation operation, string containerId, ILogger logger, Func<Task<T>> work)
    {
        using var telemetry = new Telemetry(operation, containerId, logger);
        try
        {
            T result = await work().ConfigureAwait(false);
            telemetry.Succeeded();
            return result;
        }
        catch (Exception ex)
        {
            telemetry.Failed(ex);
            throw;
        }
    }

    /// <inheritdoc cref="RunAsync{T}"/>
    public static Task RunAsync(Operation operation, string containerId, ILogger logger, Func<Task> work) =>
        RunAsync(operation, containerId, logger, async () =>
        {
            await work().ConfigureAwait(false);
            return true;
        });

    private void Succeeded()
    {
        _operation.Count.Add(1);
        _operation.Duration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds);
    }

    private void Failed(Exception exception)
    {
        string type = exception.GetType().FullName ?? exception.GetType().Name;
        _operation.Duration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, new KeyValuePair<string, object?>("error.type", type));
        if (_activity is not null)
        {
            _activity.SetStatus(ActivityStatusCode.Error, exception.Message);
            _activity.SetTag("error.type", type);
            _activity.AddException(exception);
        }
    }

    public void Dispose()
    {
        _activity?.Dispose();
        _scope?.Dispose();
    }

    /// <summary>An operation's span name and instruments.</summary>
    internal sealed class Operation(Meter meter, string spanName, string counter, string histogram, string unit)
    {
        public string SpanName { get; } = spanName;

        public Counter<long> Count { get; } = meter.CreateCounter<long>(counter, unit);

        public Histogram<double> Duration { get; } = meter.CreateHistogram<double>(histogram, "s");
    }
}
