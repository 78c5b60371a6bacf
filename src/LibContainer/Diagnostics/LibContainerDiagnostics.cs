namespace LibContainer.Diagnostics;

/// <summary>
/// The names under which the library reports to OpenTelemetry (System.Diagnostics): one
/// <see cref="System.Diagnostics.ActivitySource"/> with a span per create, start, exec and destroy
/// (tagged <c>container.id</c>; failed ones have status Error and <c>error.type</c>), and one
/// <see cref="System.Diagnostics.Metrics.Meter"/> with counters and duration histograms.
/// </summary>
/// <example>
/// <code>
/// builder.Services.AddOpenTelemetry()
///     .WithTracing(t => t.AddSource(LibContainerDiagnostics.ActivitySourceName))
///     .WithMetrics(m => m.AddMeter(LibContainerDiagnostics.MeterName));
/// </code>
/// </example>
public static class LibContainerDiagnostics
{
    /// <summary>The ActivitySource's name: spans <c>container.create</c>, <c>container.start</c>, <c>container.exec</c>, <c>container.destroy</c>.</summary>
    public const string ActivitySourceName = "LibContainer";

    /// <summary>
    /// The Meter's name. Counters: <c>libcontainer.containers.created</c>, <c>.started</c>,
    /// <c>.destroyed</c>, <c>libcontainer.execs</c> (successful operations); histograms (seconds,
    /// failed ones tagged <c>error.type</c>): <c>libcontainer.container.create.duration</c>,
    /// <c>.start.duration</c>, <c>.destroy.duration</c>, <c>libcontainer.exec.duration</c>.
    /// </summary>
    public const string MeterName = "LibContainer";
}
