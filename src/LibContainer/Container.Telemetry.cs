using LibContainer.Diagnostics;
using LibContainer.Spec;

namespace LibContainer;

/// <summary>The public operations that telemetry sees: a log scope with the id, a span, a count and a duration each.</summary>
internal sealed partial class Container
{
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        using Telemetry telemetry = Telemetry.Begin(Telemetry.Start, Id, _logger);
        try
        {
            await StartCoreAsync(cancellationToken).ConfigureAwait(false);
            telemetry.Succeeded();
        }
        catch (Exception ex)
        {
            telemetry.Failed(ex);
            throw;
        }
    }

    public async Task<IProcess> ExecAsync(Process process, ExecOptions? options = null, CancellationToken cancellationToken = default)
    {
        using Telemetry telemetry = Telemetry.Begin(Telemetry.Exec, Id, _logger);
        try
        {
            IProcess started = await ExecCoreAsync(process, options, cancellationToken).ConfigureAwait(false);
            telemetry.Succeeded();
            return started;
        }
        catch (Exception ex)
        {
            telemetry.Failed(ex);
            throw;
        }
    }

    public async Task DestroyAsync(CancellationToken cancellationToken = default)
    {
        using Telemetry telemetry = Telemetry.Begin(Telemetry.Destroy, Id, _logger);
        try
        {
            await DestroyCoreAsync(cancellationToken).ConfigureAwait(false);
            telemetry.Succeeded();
        }
        catch (Exception ex)
        {
            telemetry.Failed(ex);
            throw;
        }
    }
}
