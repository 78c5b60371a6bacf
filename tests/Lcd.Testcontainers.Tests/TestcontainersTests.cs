using System.Net;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using Lcd.Tests.Infrastructure;
using LibContainer.Testing;

namespace Lcd.Testcontainers.Tests;

/// <summary>
/// Testcontainers for .NET, unmodified, with lcd as its Docker endpoint: a web server from an image in
/// a local registry (Debian's docker-registry; Testcontainers pulls it through lcd), a published port,
/// its wait strategy, disposal. The resource reaper (Ryuk) is off: it is a container
/// of Testcontainers' own image that needs a registry to pull from and the docker socket mounted into it.
/// </summary>
public sealed class TestcontainersTests
{
    [Fact]
    public async Task BusyboxHttpd_StartedWaitedForAndDisposed_NothingLeft()
    {
        TestcontainersSettings.ResourceReaperEnabled = false;
        await using LcdDaemon lcd = await LcdDaemon.StartWithBusyboxAsync();
        string registryDir = Directory.CreateTempSubdirectory("lcd-tc-registry-").FullName;
        await using Registry registry = await Registry.StartAsync(registryDir);
        string image = $"{registry.Host}/busybox:tc";
        (await Cli.DockerAsync(lcd, "tag", "busybox:latest", image)).ExitCode.Should().Be(0);
        CliResult push = await Cli.DockerAsync(lcd, "push", image);
        push.ExitCode.Should().Be(0, push.Stderr);
        (await Cli.DockerAsync(lcd, "rmi", image)).ExitCode.Should().Be(0, "Testcontainers must pull it");

        IContainer web = new ContainerBuilder(image)
            .WithDockerEndpoint(lcd.Host)
            .WithEntrypoint("sh", "-c", "mkdir /www && echo hello from lcd > /www/index.html && exec httpd -f -p 80 -h /www")
            .WithPortBinding(80, assignRandomHostPort: true)
            .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(request => request.ForPort(80)))
            .Build();

        try
        {
            await web.StartAsync(TestContext.Current.CancellationToken);
            using var http = new HttpClient();
            string body = await http.GetStringAsync(new Uri($"http://{web.Hostname}:{web.GetMappedPublicPort(80)}/"), TestContext.Current.CancellationToken);
            body.Should().Be("hello from lcd\n");
            web.State.Should().Be(TestcontainersStates.Running);
        }
        finally
        {
            await web.DisposeAsync();
        }

        (await Cli.DockerAsync(lcd, "ps", "-aq")).Stdout.Trim().Should().BeEmpty("disposing a Testcontainers container removes it");
        (await Cli.DockerAsync(lcd, "image", "inspect", image)).ExitCode.Should().Be(0, "the image was pulled from the registry");
    }
}
