using LibContainer.Diagnostics;
using LibContainer.Spec;

namespace LibContainer;

/// <summary>The public operations that telemetry sees: a log scope with the id, a span, a count and a duration each.</summary>
internal sealed partial class Container
{
    public Task StartAsync(CancellationToken cancellationToken = default) =>
        Telemetry.RunAsync(Telemetry.Start, Id, _logger, () => StartCoreAsync(cancellationToken));

    public Task<IProcess> ExecAsync(Process process, ExecOptions? options = null, CancellationToken cancellationToken = default) =>
        Telemetry.RunAsync(Telemetry.Exec, Id, _logger, () => ExecCoreAsync(process, options, cancellationToken));

    public Task DestroyAsync(CancellationToken cancellationToken = default) =>
        Telemetry.RunAsync(Telemetry.Destroy, Id, _logger, () => DestroyCoreAsync(cancellationToken));
}
