using System.Net;
using System.Text.Json;
using Lcd.Tests.Infrastructure;

namespace Lcd.Tests;

/// <summary>The Engine API's framing as clients rely on it: negotiation, version prefixes, error bodies.</summary>
public sealed class ApiTests : IAsyncLifetime
{
    private LcdDaemon _daemon = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _daemon = await LcdDaemon.StartAsync();
        _http = _daemon.CreateHttpClient();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _daemon.DisposeAsync();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> MessageOf(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/json");
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return body.RootElement.GetProperty("message").GetString()!;
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    public async Task Ping_AdvertisesApiVersionForNegotiation(string method)
    {
        using HttpResponseMessage response = await _http.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/_ping"), Ct);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.GetValues("Api-Version").Should().Equal("1.41");
        response.Headers.GetValues("Ostype").Should().Equal("linux");
        response.Headers.GetValues("Docker-Experimental").Should().Equal("false");
        if (method == "GET")
        {
            (await response.Content.ReadAsStringAsync(Ct)).Should().Be("OK");
        }
    }

    [Theory]
    [InlineData("/version")]
    [InlineData("/v1.41/version")]
    [InlineData("/v1.24/version")]
    [InlineData("/v1.12/version")]
    [InlineData("/v1.44/version")] // pinned without negotiation by Testcontainers 4
    public async Task Version_WithOrWithoutPrefix_Answers(string path)
    {
        using HttpResponseMessage response = await _http.GetAsync(path, Ct);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        body.RootElement.GetProperty("ApiVersion").GetString().Should().Be("1.41");
        body.RootElement.GetProperty("MinAPIVersion").GetString().Should().Be("1.12");
        body.RootElement.GetProperty("Os").GetString().Should().Be("linux");
        body.RootElement.GetProperty("KernelVersion").GetString().Should().Be(File.ReadAllText("/proc/sys/kernel/osrelease").Trim());
    }

    [Theory]
    [InlineData("/v1.45/version", "client version 1.45 is too new. Maximum supported API version is 1.44")]
    [InlineData("/v1.11/info", "client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version")]
    public async Task Version_OutOfRange_400WithDockersMessage(string path, string message)
    {
        using HttpResponseMessage response = await _http.GetAsync(path, Ct);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await MessageOf(response)).Should().Be(message);
    }

    [Theory]
    [InlineData("GET", "/no/such/thing")]
    [InlineData("GET", "/v1.41/no/such/thing")]
    [InlineData("DELETE", "/version")]
    [InlineData("POST", "/info")]
    public async Task UnknownRouteOrMethod_404PageNotFound(string method, string path)
    {
        using HttpResponseMessage response = await _http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await MessageOf(response)).Should().Be("page not found");
        response.Headers.GetValues("Api-Version").Should().Equal("1.41");
    }

    [Fact]
    public async Task Info_ReportsDaemonAndHost()
    {
        using JsonDocument info = JsonDocument.Parse(await _http.GetStringAsync("/v1.41/info", Ct));
        JsonElement root = info.RootElement;

        root.GetProperty("DockerRootDir").GetString().Should().Be(_daemon.DataRoot);
        root.GetProperty("NCPU").GetInt32().Should().Be(Environment.ProcessorCount);
        root.GetProperty("OSType").GetString().Should().Be("linux");
        root.GetProperty("Swarm").GetProperty("LocalNodeState").GetString().Should().Be("inactive");
        Guid.TryParse(root.GetProperty("ID").GetString(), out _).Should().BeTrue();
    }

    [Fact]
    public async Task GarbageRequests_DaemonStaysUp()
    {
        // Raw bytes that are not HTTP, a header far over Kestrel's limit, then a normal request.
        using (var raw = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
        {
            await raw.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(_daemon.Socket), Ct);
            await raw.SendAsync("\x00\x01NOT HTTP AT ALL\r\n\r\n"u8.ToArray(), Ct);
            byte[] buffer = new byte[4096];
            int n = await raw.ReceiveAsync(buffer, Ct);
            System.Text.Encoding.ASCII.GetString(buffer, 0, n).Should().StartWith("HTTP/1.1 400");
        }
        using var huge = new HttpRequestMessage(HttpMethod.Get, "/version");
        huge.Headers.Add("X-Huge", new string('a', 64 * 1024));
        using (HttpResponseMessage tooBig = await _http.SendAsync(huge, Ct))
        {
            ((int)tooBig.StatusCode).Should().Be(431);
        }

        using HttpResponseMessage after = await _http.GetAsync("/_ping", Ct);
        after.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("""{"Image":"busybox","ExposedPorts":{"abc":{}}}""", "invalid port specification: \"abc\" (a port 1-65535, /tcp or /udp)")]
    [InlineData("""{"Image":"busybox","ExposedPorts":{"70000/tcp":{}}}""", "invalid port specification: \"70000/tcp\" (a port 1-65535, /tcp or /udp)")]
    [InlineData("""{"Image":"busybox","HostConfig":{"Memory":-5}}""", "Minimum memory limit allowed is 6MB")]
    [InlineData("""{"Image":"busybox","HostConfig":{"Memory":1024}}""", "Minimum memory limit allowed is 6MB")]
    [InlineData("""{"Image":"busybox","HostConfig":{"NanoCpus":-1}}""", "Range of CPUs is from 0.01 to")]
    [InlineData("""{"Image":"busybox","HostConfig":{"CapAdd":["CAP_NOPE"]}}""", "invalid CapAdd: unknown capability: \"CAP_NOPE\"")]
    [InlineData("""{"Image":"busybox","HostConfig":{"CapDrop":["bogus"]}}""", "invalid CapDrop: unknown capability: \"bogus\"")]
    public async Task Create_BadSettings_400NamingTheSetting_NothingStored(string body, string message)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await _http.PostAsync("/containers/create", content, Ct);
        using HttpResponseMessage list = await _http.GetAsync("/containers/json?all=1", Ct);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await MessageOf(response)).Should().StartWith(message);
        list.StatusCode.Should().Be(HttpStatusCode.OK, "a refused create leaves no record a list could choke on");
        (await list.Content.ReadAsStringAsync(Ct)).Should().Be("[]");
        Directory.EnumerateDirectories(Path.Combine(_daemon.DataRoot, "containers")).Should().BeEmpty();
    }
}
