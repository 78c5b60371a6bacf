using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lcd.Tests.Infrastructure;
using Lcd.Volumes;

namespace Lcd.Tests;

/// <summary>The /networks and /volumes endpoints at the HTTP level: Docker's shapes and status codes for what the CLI hides.</summary>
public sealed class NetworkVolumeApiTests : IAsyncLifetime
{
    private LcdDaemon _lcd = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _lcd = await LcdDaemon.StartAsync();
        _http = _lcd.CreateHttpClient();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _lcd.DisposeAsync();
    }

    private string Subnet(int offset) => _lcd.SubnetNear(offset);

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }
        using HttpResponseMessage response = await _http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task Networks_ShapesAndStatusCodes_AsDockerd()
    {
        (HttpStatusCode status, JsonElement list) = await SendAsync(HttpMethod.Get, "/v1.41/networks");
        status.Should().Be(HttpStatusCode.OK);
        list.EnumerateArray().Select(n => n.GetProperty("Name").GetString()).Should().BeEquivalentTo(["bridge", "host", "none"]);
        JsonElement bridge = list.EnumerateArray().First(n => n.GetProperty("Name").GetString() == "bridge");
        bridge.GetProperty("IPAM").GetProperty("Config")[0].GetProperty("Subnet").GetString().Should().Be(_lcd.DefaultSubnet);
        bridge.GetProperty("Options").GetProperty("com.docker.network.bridge.name").GetString().Should().Be(_lcd.BridgePrefix + "0");

        (status, JsonElement created) = await SendAsync(HttpMethod.Post, "/networks/create",
            JsonSerializer.Serialize(new { Name = "api-net", IPAM = new { Config = new[] { new { Subnet = Subnet(5), Gateway = Subnet(5).Replace("0/24", "9", StringComparison.Ordinal) } } }, Labels = new { a = "b" } }));
        status.Should().Be(HttpStatusCode.Created);
        string id = created.GetProperty("Id").GetString()!;
        id.Should().MatchRegex("^[0-9a-f]{64}$");

        (status, JsonElement inspected) = await SendAsync(HttpMethod.Get, $"/networks/{id[..12]}");
        status.Should().Be(HttpStatusCode.OK, "a unique id prefix finds it");
        inspected.GetProperty("Name").GetString().Should().Be("api-net");
        inspected.GetProperty("Driver").GetString().Should().Be("bridge");
        inspected.GetProperty("Scope").GetString().Should().Be("local");
        inspected.GetProperty("Labels").GetProperty("a").GetString().Should().Be("b");
        inspected.GetProperty("IPAM").GetProperty("Config")[0].GetProperty("Gateway").GetString().Should().Be(Subnet(5).Replace("0/24", "9", StringComparison.Ordinal));
        inspected.GetProperty("Containers").EnumerateObject().Should().BeEmpty();

        (await SendAsync(HttpMethod.Post, "/networks/create", """{"Name":"api-net"}""")).Status.Should().Be(HttpStatusCode.Conflict, "the name is taken");
        (await SendAsync(HttpMethod.Post, "/networks/create", JsonSerializer.Serialize(new { Name = "api-net2", IPAM = new { Config = new[] { new { Subnet = Subnet(5) } } } }))).Status.Should().Be(HttpStatusCode.BadRequest, "the subnet overlaps");
        (await SendAsync(HttpMethod.Post, "/networks/create", """{"Name":"api-net3","IPAM":{"Config":[{"Subnet":"10.1.2.3/24"}]}}""")).Body.GetProperty("message").GetString().Should().Contain("host bits set");
        (await SendAsync(HttpMethod.Post, "/networks/create", """{"Name":"api-net4","Driver":"overlay"}""")).Status.Should().Be(HttpStatusCode.BadRequest);
        (await SendAsync(HttpMethod.Post, "/networks/create", """{"Name":"host"}""")).Status.Should().Be(HttpStatusCode.Forbidden);
        (await SendAsync(HttpMethod.Post, "/networks/create", """{"Name":"bad name!"}""")).Status.Should().Be(HttpStatusCode.BadRequest);
        (await SendAsync(HttpMethod.Post, "/networks/create", """{"Name":""")).Status.Should().Be(HttpStatusCode.BadRequest, "malformed JSON");
        (await SendAsync(HttpMethod.Get, "/networks/nosuch")).Status.Should().Be(HttpStatusCode.NotFound);
        (await SendAsync(HttpMethod.Delete, "/networks/nosuch")).Status.Should().Be(HttpStatusCode.NotFound);
        (await SendAsync(HttpMethod.Delete, "/networks/none")).Status.Should().Be(HttpStatusCode.Forbidden);
        (await SendAsync(HttpMethod.Post, "/networks/api-net/connect", """{"Container":"nosuch"}""")).Status.Should().Be(HttpStatusCode.NotFound);
        (status, JsonElement filtered) = await SendAsync(HttpMethod.Get, "/networks?filters=" + Uri.EscapeDataString("""{"label":["a=b"]}"""));
        filtered.EnumerateArray().Select(n => n.GetProperty("Name").GetString()).Should().Equal("api-net");

        (status, JsonElement pruned) = await SendAsync(HttpMethod.Post, "/networks/prune");
        status.Should().Be(HttpStatusCode.OK);
        pruned.GetProperty("NetworksDeleted").EnumerateArray().Select(n => n.GetString()).Should().Equal("api-net");
        (await SendAsync(HttpMethod.Get, "/networks/api-net")).Status.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Volumes_ShapesAndStatusCodes_AsDockerd()
    {
        (HttpStatusCode status, JsonElement created) = await SendAsync(HttpMethod.Post, "/volumes/create", """{"Name":"v1","Labels":{"k":"v"}}""");
        status.Should().Be(HttpStatusCode.Created);
        created.GetProperty("Driver").GetString().Should().Be("local");
        created.GetProperty("Mountpoint").GetString().Should().Be(Path.Combine(_lcd.DataRoot, "volumes", "v1", "_data"));
        created.GetProperty("CreatedAt").GetString().Should().MatchRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$");

        (status, JsonElement anonymous) = await SendAsync(HttpMethod.Post, "/volumes/create", "{}");
        status.Should().Be(HttpStatusCode.Created);
        anonymous.GetProperty("Name").GetString().Should().MatchRegex("^[0-9a-f]{64}$", "a volume without a name gets a random one");

        (status, JsonElement list) = await SendAsync(HttpMethod.Get, "/volumes");
        list.GetProperty("Volumes").GetArrayLength().Should().Be(2);
        list.GetProperty("Warnings").GetArrayLength().Should().Be(0);

        foreach (string bad in new[] { "../etc", "a/b", ".hidden", "x" })
        {
            (await SendAsync(HttpMethod.Post, "/volumes/create", JsonSerializer.Serialize(new { Name = bad }))).Status.Should().Be(HttpStatusCode.BadRequest, $"'{bad}' is not a volume name");
        }
        Directory.GetDirectories(Path.Combine(_lcd.DataRoot, "volumes")).Should().HaveCount(2, "a refused name leaves nothing");
        (await SendAsync(HttpMethod.Post, "/volumes/create", """{"Name":"v2","Driver":"nfs"}""")).Status.Should().Be(HttpStatusCode.NotFound, "dockerd: plugin not found");
        (await SendAsync(HttpMethod.Post, "/volumes/create", """{"Name":"v2","DriverOpts":{"type":"nfs"}}""")).Status.Should().Be(HttpStatusCode.BadRequest);
        (await SendAsync(HttpMethod.Get, "/volumes/nosuch")).Status.Should().Be(HttpStatusCode.NotFound);
        (await SendAsync(HttpMethod.Delete, "/volumes/nosuch")).Status.Should().Be(HttpStatusCode.NotFound);
        (await SendAsync(HttpMethod.Delete, "/volumes/nosuch?force=1")).Status.Should().Be(HttpStatusCode.NoContent, "force ignores a missing volume");

        (status, JsonElement pruned) = await SendAsync(HttpMethod.Post, "/volumes/prune?filters=" + Uri.EscapeDataString("""{"label":["k=v"]}"""));
        status.Should().Be(HttpStatusCode.OK);
        pruned.GetProperty("VolumesDeleted").EnumerateArray().Select(v => v.GetString()).Should().Equal("v1");
        (await SendAsync(HttpMethod.Delete, $"/volumes/{anonymous.GetProperty("Name").GetString()}")).Status.Should().Be(HttpStatusCode.NoContent);
        Directory.GetDirectories(Path.Combine(_lcd.DataRoot, "volumes")).Should().BeEmpty();

        (status, JsonElement df) = await SendAsync(HttpMethod.Get, "/system/df");
        status.Should().Be(HttpStatusCode.OK);
        df.GetProperty("Volumes").GetArrayLength().Should().Be(0);
        df.GetProperty("BuildCache").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public void RootPath_SymlinksInTheImage_NeverLeaveTheRoot()
    {
        string root = Directory.CreateTempSubdirectory("lcd-test-rootpath-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "usr", "share"));
            File.CreateSymbolicLink(Path.Combine(root, "escape"), "/etc");
            File.CreateSymbolicLink(Path.Combine(root, "up"), "../../../../etc");
            File.CreateSymbolicLink(Path.Combine(root, "usr", "rel"), "share");
            File.CreateSymbolicLink(Path.Combine(root, "loop"), "loop");

            RootPath.Resolve(root, "/escape/passwd").Should().Be(Path.Combine(root, "etc", "passwd"), "an absolute link resolves inside the root");
            RootPath.Resolve(root, "/up").Should().Be(Path.Combine(root, "etc"), ".. stops at the root");
            RootPath.Resolve(root, "/../../x").Should().Be(Path.Combine(root, "x"));
            RootPath.Resolve(root, "/usr/rel/doc").Should().Be(Path.Combine(root, "usr", "share", "doc"));
            RootPath.Resolve(root, "/").Should().Be(root);
            FluentActions.Invoking(() => RootPath.Resolve(root, "/loop/x")).Should().Throw<IOException>().WithMessage("*too many levels of symbolic links*");
            RootPath.IsCleanDestination("/data").Should().BeTrue();
            RootPath.IsCleanDestination("/").Should().BeFalse();
            RootPath.IsCleanDestination("data").Should().BeFalse();
            RootPath.IsCleanDestination("/a/../b").Should().BeFalse();
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
