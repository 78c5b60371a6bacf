using Docker.DotNet;
using Docker.DotNet.Models;
using Lcd.Tests.Infrastructure;

namespace Lcd.Tests;

/// <summary>Docker.DotNet, the .NET client Testcontainers is built on, against a live lcd.</summary>
public sealed class DockerDotNetTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DockerClient Client(LcdDaemon daemon) => new DockerClientConfiguration(new Uri(daemon.Host)).CreateClient();

    [Fact]
    public async Task VersionAndPing_AsTheClientSeesThem()
    {
        await using LcdDaemon daemon = await LcdDaemon.StartAsync();
        using DockerClient client = Client(daemon);

        await client.System.PingAsync(Ct);
        VersionResponse version = await client.System.GetVersionAsync(Ct);

        version.APIVersion.Should().Be("1.41");
        version.MinAPIVersion.Should().Be("1.12");
        version.Os.Should().Be("linux");
        version.KernelVersion.Should().Be(File.ReadAllText("/proc/sys/kernel/osrelease").Trim());
    }

    [Fact]
    public async Task Info_DataRootAndCpus()
    {
        await using LcdDaemon daemon = await LcdDaemon.StartAsync();
        using DockerClient client = Client(daemon);

        SystemInfoResponse info = await client.System.GetSystemInfoAsync(Ct);

        info.DockerRootDir.Should().Be(daemon.DataRoot);
        info.NCPU.Should().Be(Environment.ProcessorCount);
        info.OSType.Should().Be("linux");
    }

    [Fact]
    public async Task UnknownContainer_DockerApiExceptionWith404()
    {
        await using LcdDaemon daemon = await LcdDaemon.StartAsync();
        using DockerClient client = Client(daemon);

        Func<Task> inspect = () => client.Containers.InspectContainerAsync("no-such-container", Ct);

        // Until the container endpoints land every container route is unknown: still Docker's 404 and body.
        (await inspect.Should().ThrowAsync<DockerApiException>()).Which.StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
    }
}
