using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Lcd.Tests.Infrastructure;
using LibContainer.Testing;

namespace Lcd.Tests;

/// <summary>Docker.DotNet against lcd's image transfer and container filesystem endpoints: status codes, auth, shapes.</summary>
public sealed class ImageTransferApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DockerClient Client(LcdDaemon daemon) => new DockerClientConfiguration(new Uri(daemon.Host)).CreateClient();

    [Fact]
    public async Task UnknownImage_404_OnInspectHistorySavePush()
    {
        await using LcdDaemon daemon = await LcdDaemon.StartWithBusyboxAsync();
        using DockerClient client = Client(daemon);
        using HttpClient http = daemon.CreateHttpClient();

        await client.Invoking(c => c.Images.InspectImageAsync("no-such:1", Ct)).Should().ThrowAsync<DockerImageNotFoundException>();
        await client.Invoking(c => c.Images.GetImageHistoryAsync("no-such:1", Ct)).Should().ThrowAsync<DockerImageNotFoundException>();
        (await http.GetAsync("/v1.41/images/no-such:1/get", Ct)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await http.PostAsync("/v1.41/images/127.0.0.1:1/no-such/push?tag=1", null, Ct)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task BadParameters_400()
    {
        await using LcdDaemon daemon = await LcdDaemon.StartWithBusyboxAsync();
        using HttpClient http = daemon.CreateHttpClient();
        CreateContainerResponse created = await Client(daemon).Containers.CreateContainerAsync(new CreateContainerParameters { Image = "busybox", Name = "target" }, Ct);

        (await http.PostAsync("/v1.41/images/create", null, Ct)).StatusCode.Should().Be(HttpStatusCode.BadRequest, "fromImage is missing");
        (await http.PostAsync("/v1.41/images/create?fromImage=Bad%20Name", null, Ct)).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await http.PostAsync($"/v1.41/commit?container={created.ID}&repo=bad%20name", null, Ct)).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await http.PostAsync($"/v1.41/commit?container={created.ID}&changes=BOGUS%20x", null, Ct)).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await http.GetAsync("/v1.41/containers/target/archive", Ct)).StatusCode.Should().Be(HttpStatusCode.BadRequest, "path is missing");
        (await http.GetAsync("/v1.41/containers/target/archive?path=/nope", Ct)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await http.GetAsync("/v1.41/containers/nobody/changes", Ct)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        using var notDir = new ByteArrayContent(new byte[1024]);
        (await http.PutAsync("/v1.41/containers/target/archive?path=/etc/passwd", notDir, Ct)).StatusCode.Should().Be(HttpStatusCode.BadRequest, "the extraction point is a file");
        (await http.PostAsync("/v1.41/images/prune?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D", null, Ct)).StatusCode.Should().Be(HttpStatusCode.BadRequest, "an unknown filter");
        (await http.GetAsync("/_ping", Ct)).IsSuccessStatusCode.Should().BeTrue("a bad request never takes the daemon down");
        await Client(daemon).Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters(), Ct);
    }

    [Fact]
    public async Task Rmi_ImageInUse_409()
    {
        await using LcdDaemon daemon = await LcdDaemon.StartWithBusyboxAsync();
        using DockerClient client = Client(daemon);
        CreateContainerResponse created = await client.Containers.CreateContainerAsync(new CreateContainerParameters { Image = "busybox" }, Ct);

        DockerApiException conflict = (await client.Invoking(c => c.Images.DeleteImageAsync("busybox", new ImageDeleteParameters(), Ct))
            .Should().ThrowAsync<DockerApiException>()).Which;
        conflict.StatusCode.Should().Be(HttpStatusCode.Conflict);

        await client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters(), Ct);
    }

    [Fact]
    public async Task PathStat_HeaderAndChanges_AsDockerShapesThem()
    {
        await using LcdDaemon daemon = await LcdDaemon.StartWithBusyboxAsync();
        using DockerClient client = Client(daemon);
        CreateContainerResponse created = await client.Containers.CreateContainerAsync(new CreateContainerParameters { Image = "busybox" }, Ct);

        GetArchiveFromContainerResponse archive = await client.Containers.GetArchiveFromContainerAsync(created.ID, new GetArchiveFromContainerParameters { Path = "/etc" }, statOnly: true, Ct);
        archive.Stat.Name.Should().Be("etc");
        (archive.Stat.Mode & (1u << 31)).Should().NotBe(0u, "Go's os.ModeDir");
        await using (var tar = new MemoryStream(BuildTar()))
        {
            await client.Containers.ExtractArchiveToContainerAsync(created.ID, new ContainerPathStatParameters { Path = "/" }, tar, Ct);
        }
        IList<ContainerFileSystemChangeResponse> changes = await client.Containers.InspectChangesAsync(created.ID, Ct);
        changes.Should().ContainSingle(c => c.Path == "/added.txt" && (int)c.Kind == 1 /* added */);

        await client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters(), Ct);
    }

    private static byte[] BuildTar()
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Formats.Tar.TarWriter(buffer, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "added.txt") { DataStream = new MemoryStream("x"u8.ToArray()) });
        }
        return buffer.ToArray();
    }

    [Fact]
    public async Task Pull_BasicAuthRegistry_CredentialsFromXRegistryAuth()
    {
        Require.Tool("/usr/bin/docker-registry", "docker-registry");
        Require.Tool("/usr/bin/htpasswd", "apache2-utils");
        await using LcdDaemon daemon = await LcdDaemon.StartWithBusyboxAsync();
        string dir = Directory.CreateTempSubdirectory("lcd-auth-registry-").FullName;
        await using Registry registry = await Registry.StartAsync(dir, ("ada", "s3cret"));
        using DockerClient client = Client(daemon);
        var login = new AuthConfig { Username = "ada", Password = "s3cret", ServerAddress = registry.Host };
        await client.Images.TagImageAsync("busybox", new ImageTagParameters { RepositoryName = $"{registry.Host}/box", Tag = "1" }, Ct);

        var anonymous = new List<JSONMessage>();
        await client.Images.PushImageAsync($"{registry.Host}/box", new ImagePushParameters { Tag = "1" }, new AuthConfig(), new Progress<JSONMessage>(anonymous.Add), Ct);
        var pushed = new List<JSONMessage>();
        await client.Images.PushImageAsync($"{registry.Host}/box", new ImagePushParameters { Tag = "1" }, login, new Progress<JSONMessage>(pushed.Add), Ct);
        await client.Images.DeleteImageAsync($"{registry.Host}/box:1", new ImageDeleteParameters(), Ct);
        var pulled = new List<JSONMessage>();
        await client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = $"{registry.Host}/box", Tag = "1" }, login, new Progress<JSONMessage>(pulled.Add), Ct);

        await Task.Delay(200, Ct); // Progress<T> posts its callbacks
        anonymous.Should().Contain(m => m.Error != null && m.Error.Message.Contains("unauthorized", StringComparison.Ordinal));
        pushed.Should().NotContain(m => m.Error != null);
        pushed.Should().Contain(m => m.Status != null && m.Status.Contains("digest: sha256:", StringComparison.Ordinal));
        pulled.Should().Contain(m => m.Status == $"Status: Downloaded newer image for {registry.Host}/box:1");
        ImageInspectResponse image = await client.Images.InspectImageAsync($"{registry.Host}/box:1", Ct);
        image.RepoDigests.Should().ContainSingle().Which.Should().StartWith($"{registry.Host}/box@sha256:");
    }
}
