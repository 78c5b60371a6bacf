using LibContainer.Testing;
using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Lcd.Graph.Tests;

/// <summary>Pull and push against a real registry (Debian's docker-registry), images put there by skopeo and by our push.</summary>
public sealed class RegistryTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly ImageStore _source;
    private readonly ImageStore _store;

    public RegistryTests()
    {
        Require.Root();
        Require.Tool("/bin/busybox", "busybox-static");
        Require.Tool("/usr/bin/skopeo", "skopeo");
        Require.Tool("/usr/bin/docker-registry", "docker-registry");
        Require.Tool("/usr/bin/htpasswd", "apache2-utils");
        _source = new ImageStore(new GraphOptions { Root = _temp["source"] });
        _store = new ImageStore(new GraphOptions { Root = _temp["graph"] });
    }

    /// <summary>Busybox saved by us and unpacked into an OCI layout directory (tag "latest").</summary>
    private async Task<(ImageRecord Image, string Layout)> LayoutAsync()
    {
        ImageRecord image = await BusyboxImage.BuildAsync(_source);
        string tar = _temp["saved.tar"];
        await using (var file = File.Create(tar))
        {
            await ImageArchive.SaveAsync(_source, ["busybox"], file);
        }
        string layout = _temp["layout"];
        Directory.CreateDirectory(layout);
        await Tool.RunAsync("tar", "-xf", tar, "-C", layout);
        return (image, layout);
    }

    [Fact]
    public async Task Pull_SkopeoPushedImage_SameDigests_ConcurrentPullsFetchEachBlobOnce()
    {
        await using Registry registry = await Registry.StartAsync(_temp["registry"]);
        (ImageRecord image, string layout) = await LayoutAsync();
        await Tool.RunAsync("skopeo", "copy", "--quiet", "--dest-tls-verify=false", $"oci:{layout}:latest", $"docker://{registry.Host}/lib/busybox:1");

        var counting = new CountingHandler();
        using var client = new RegistryClient(handler: counting);
        var reference = ImageReference.Parse($"{registry.Host}/lib/busybox:1");
        var progress = new ConcurrentBag<LayerProgress>();
        ImageRecord[] pulled = await Task.WhenAll(
            client.PullAsync(_store, reference, new Progress(progress)),
            client.PullAsync(_store, reference, new Progress(progress)));
        pulled[0].Id.Should().Be(image.Id);
        pulled[1].Id.Should().Be(image.Id);
        pulled[0].Manifest.Should().Be(image.Manifest, "skopeo kept the OCI manifest as it was");
        counting.Blobs.Should().OnlyContain(b => b.Value == 1, "two pulls at once fetch each blob once");
        counting.Blobs.Should().HaveCount(2, "the config and the layer");
        progress.Should().Contain(p => p.Status == "Pull complete");
        _store.Find($"{registry.Host}/lib/busybox:1")!.Id.Should().Be(image.Id);
        File.Exists(Path.Combine(_store.LayerPaths(pulled[0])[0], "bin/busybox")).Should().BeTrue();

        // By digest, and a missing tag.
        ImageRecord byDigest = await client.PullAsync(_store, ImageReference.Parse($"{registry.Host}/lib/busybox@{image.Manifest}"));
        byDigest.Id.Should().Be(image.Id);
        Func<Task> missing = () => client.PullAsync(_store, ImageReference.Parse($"{registry.Host}/lib/busybox:nope"));
        await missing.Should().ThrowAsync<GraphException>().WithMessage("*not found*");
    }

    [Fact]
    public async Task Pull_Index_SelectsLinuxAmd64()
    {
        await using Registry registry = await Registry.StartAsync(_temp["registry"]);
        (ImageRecord image, string layout) = await LayoutAsync();
        // An index with an arm64 entry first and the amd64 image second, put there by skopeo --all.
        string manifest = File.ReadAllText(Path.Combine(layout, "blobs/sha256", Digest.Parse(image.Manifest).Hex));
        long size = Encoding.UTF8.GetByteCount(manifest);
        string index = $$$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{{image.Manifest}}}","size":{{{size}}},"platform":{"architecture":"arm64","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{{image.Manifest}}}","size":{{{size}}},"platform":{"architecture":"amd64","os":"linux"}}]}""";
        byte[] indexBytes = Encoding.UTF8.GetBytes(index);
        Digest indexDigest = Digest.Of(indexBytes);
        File.WriteAllBytes(Path.Combine(layout, "blobs/sha256", indexDigest.Hex), indexBytes);
        File.WriteAllText(Path.Combine(layout, "index.json"), $$$"""{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{{{indexDigest}}}","size":{{{indexBytes.Length}}},"annotations":{"org.opencontainers.image.ref.name":"multi"}}]}""");
        await Tool.RunAsync("skopeo", "copy", "--quiet", "--all", "--dest-tls-verify=false", $"oci:{layout}:multi", $"docker://{registry.Host}/multi:1");

        using var client = new RegistryClient();
        ImageRecord pulled = await client.PullAsync(_store, ImageReference.Parse($"{registry.Host}/multi:1"));
        pulled.Id.Should().Be(image.Id);
    }

    [Fact]
    public async Task Push_ThenSkopeoAndPullSeeSameDigest()
    {
        await using Registry registry = await Registry.StartAsync(_temp["registry"]);
        ImageRecord image = await BusyboxImage.BuildAsync(_source);
        using var client = new RegistryClient();
        var reference = ImageReference.Parse($"{registry.Host}/pushed/busybox:v1");
        Digest pushed = await client.PushAsync(_source, image, reference);
        pushed.ToString().Should().Be(image.Manifest);
        string inspect = await Tool.RunAsync("skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}", $"docker://{reference}");
        inspect.Trim().Should().Be(image.Manifest, "skopeo reads back the manifest we pushed");
        (await client.PullAsync(_store, reference)).Id.Should().Be(image.Id);
        (await client.PushAsync(_source, image, reference.WithTag("v2"))).ToString().Should().Be(image.Manifest, "a second push finds the blobs there");
    }

    [Fact]
    public async Task BasicAuth_LoginRequired_AndUsed()
    {
        await using Registry registry = await Registry.StartAsync(_temp["registry"], ("alice", "s3cret"));
        ImageRecord image = await BusyboxImage.BuildAsync(_source);
        var reference = ImageReference.Parse($"{registry.Host}/private/busybox:1");
        using (var anonymous = new RegistryClient())
        {
            Func<Task> push = () => anonymous.PushAsync(_source, image, reference);
            await push.Should().ThrowAsync<GraphException>().WithMessage("*asks for a login*none was given*");
        }
        using (var wrong = new RegistryClient(_ => new RegistryCredentials("alice", "wrong")))
        {
            Func<Task> push = () => wrong.PushAsync(_source, image, reference);
            await push.Should().ThrowAsync<GraphException>().WithMessage("*refused*");
        }
        using var client = new RegistryClient(host => host == registry.Host ? new RegistryCredentials("alice", "s3cret") : null);
        await client.PushAsync(_source, image, reference);
        (await client.PullAsync(_store, reference)).Id.Should().Be(image.Id);
        string inspect = await Tool.RunAsync("skopeo", "inspect", "--tls-verify=false", "--creds", "alice:s3cret", "--format", "{{.Digest}}", $"docker://{reference}");
        inspect.Trim().Should().Be(image.Manifest);
    }

    [Fact]
    public async Task BearerChallenge_TokenFetchedWithLoginAndUsed()
    {
        // The token flow (distribution's token spec) against a scripted registry: 401 + Bearer challenge,
        // GET realm?service&scope with the basic login, then the request again with the token.
        var handler = new ScriptedRegistry();
        using var client = new RegistryClient(_ => new RegistryCredentials("bob", "pw"), handler: handler);
        Func<Task> pull = () => client.PullAsync(_store, ImageReference.Parse("registry.example:5000/team/app:1"));
        await pull.Should().ThrowAsync<GraphException>().WithMessage("*not found*");
        handler.TokenRequest.Should().Be("https://auth.example/token?service=registry.example&scope=repository%3Ateam%2Fapp%3Apull");
        handler.TokenAuthorization.Should().Be("Basic " + Convert.ToBase64String("bob:pw"u8));
        handler.LastAuthorization.Should().Be("Bearer T0KEN");
    }

    [Fact]
    public void ParseChallenge_Quoted()
    {
        RegistryClient.ParseChallenge("realm=\"https://a/token\",service=\"reg,istry\",scope=\"repository:x:pull\"")
            .Should().BeEquivalentTo(new Dictionary<string, string> { ["realm"] = "https://a/token", ["service"] = "reg,istry", ["scope"] = "repository:x:pull" });
    }

    private sealed class Progress(ConcurrentBag<LayerProgress> bag) : IProgress<LayerProgress>
    {
        public void Report(LayerProgress value) => bag.Add(value);
    }

    private sealed class CountingHandler : DelegatingHandler
    {
        public CountingHandler() : base(new HttpClientHandler()) { }

        public ConcurrentDictionary<string, int> Blobs { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string path = request.RequestUri!.AbsolutePath;
            if (request.Method == HttpMethod.Get && path.Contains("/blobs/", StringComparison.Ordinal))
            {
                Blobs.AddOrUpdate(path, 1, (_, n) => n + 1);
            }
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class ScriptedRegistry : HttpMessageHandler
    {
        public string? TokenRequest { get; private set; }
        public string? TokenAuthorization { get; private set; }
        public string? LastAuthorization { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string? auth = request.Headers.Authorization?.ToString();
            if (request.RequestUri!.Host == "auth.example")
            {
                TokenRequest = request.RequestUri.ToString();
                TokenAuthorization = auth;
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"token\":\"T0KEN\"}") });
            }
            LastAuthorization = auth;
            if (auth != "Bearer T0KEN")
            {
                var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                challenge.Headers.WwwAuthenticate.ParseAdd("Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:team/app:pull\"");
                return Task.FromResult(challenge);
            }
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}") });
        }
    }

    public void Dispose()
    {
        _source.Dispose();
        _store.Dispose();
        _temp.Dispose();
    }
}
