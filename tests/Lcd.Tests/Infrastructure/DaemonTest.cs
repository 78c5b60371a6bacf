namespace Lcd.Tests.Infrastructure;

/// <summary>
/// A test class whose tests each get a private lcd with busybox in its store, driven by the docker CLI.
/// Every test removes what it made: a container left fails the test (and the daemon's dispose fails on a leftover mount).
/// </summary>
public abstract class DaemonTest : IAsyncLifetime
{
    protected LcdDaemon Lcd { get; set; } = null!;

    public async ValueTask InitializeAsync() => Lcd = await LcdDaemon.StartWithBusyboxAsync();

    public async ValueTask DisposeAsync()
    {
        CliResult left = await Cli.DockerAsync(Lcd, "ps", "-aq");
        await Lcd.DisposeAsync();
        left.Stdout.Trim().Should().BeEmpty("each test removes its containers");
        GC.SuppressFinalize(this);
    }

    protected Task<CliResult> Docker(params string[] args) => Cli.DockerAsync(Lcd, args);
}
