namespace Lcd.Containers;

/// <summary>
/// The daemon's shutdown for containers: with live restore (the default) they keep running; without
/// (--live-restore=false) they are stopped before the daemon's services go, as dockerd stops them.
/// </summary>
internal sealed class ContainerShutdown(DaemonOptions options, ContainerService containers) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) =>
        options.LiveRestore ? Task.CompletedTask : containers.StopAllAsync(cancellationToken);
}
