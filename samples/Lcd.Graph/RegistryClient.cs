using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lcd.Graph.Oci;

namespace Lcd.Graph;

/// <summary>A user name and password (or token) for a registry.</summary>
/// <param name="Username">The user.</param>
/// <param name="Password">The password.</param>
public sealed record RegistryCredentials(string Username, string Password);

/// <summary>
/// Pull and push over the distribution (registry v2) API: image indexes and manifest lists (linux/amd64
/// chosen), OCI and Docker schema2 manifests, Bearer token and basic auth, plain HTTP for localhost
/// and 127.0.0.1 (and registries listed as insecure). Blobs go through the content store, so two pulls
/// of one image fetch each blob once.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    private static readonly string[] ManifestTypes = [MediaTypes.OciIndex, MediaTypes.DockerManifestList, MediaTypes.OciManifest, MediaTypes.DockerManifest];
    private readonly HttpClient _http;
    private readonly Func<string, RegistryCredentials?> _credentials;
    private readonly HashSet<string> _insecure;
    private readonly ConcurrentDictionary<string, string> _authorization = new(StringComparer.Ordinal);

    /// <summary>A client; <paramref name="credentials"/> gives the login of a registry host (null: anonymous).</summary>
    public RegistryClient(Func<string, RegistryCredentials?>? credentials = null, IEnumerable<string>? insecureRegistries = null, HttpMessageHandler? handler = null)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = TimeSpan.FromMinutes(30);
        _credentials = credentials ?? (_ => null);
        _insecure = new HashSet<string>(insecureRegistries ?? [], StringComparer.Ordinal);
    }

    /// <summary>Pulls <paramref name="reference"/> into the store and names it so.</summary>
    public async Task<ImageRecord> PullAsync(ImageStore store, ImageReference reference, IProgress<LayerProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(reference);
        string target = reference.Digest?.ToString() ?? reference.Tag!;
        (byte[] bytes, string mediaType) = await GetManifestAsync(reference, target, reference.Digest, cancellationToken).ConfigureAwait(false);
        if (MediaTypes.IsIndex(mediaType) || (mediaType.Length == 0 && JsonSerializer.Deserialize(bytes, GraphJsonContext.Default.MediaTypeProbe)?.Manifests is not null))
        {
            Descriptor chosen = ImageArchive.SelectPlatform(ImageArchive.ParseIndex(bytes, $"{reference}"), reference.ToString());
            (bytes, _) = await GetManifestAsync(reference, chosen.Digest, Digest.Parse(chosen.Digest), cancellationToken).ConfigureAwait(false);
        }
        return await store.ImportAsync(bytes, (d, ct) => OpenBlobAsync(reference, d, ct), [reference], progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Pushes an image of the store to <paramref name="reference"/>: blobs the registry lacks, then the manifest (same bytes, same digest). Returns the manifest digest.</summary>
    public async Task<Digest> PushAsync(ImageStore store, ImageRecord image, ImageReference reference, IProgress<LayerProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(reference);
        Manifest manifest = store.GetManifest(image);
        foreach (Descriptor blob in manifest.Layers.Append(manifest.Config))
        {
            Digest digest = Digest.Parse(blob.Digest);
            using (HttpResponseMessage head = await SendAsync(reference, () => new HttpRequestMessage(HttpMethod.Head, Url(reference, $"blobs/{digest}")), cancellationToken).ConfigureAwait(false))
            {
                if (head.IsSuccessStatusCode)
                {
                    progress?.Report(new LayerProgress(blob.Digest, "Layer already exists", blob.Size, blob.Size));
                    continue;
                }
            }
            progress?.Report(new LayerProgress(blob.Digest, "Pushing", 0, blob.Size));
            Uri upload;
            using (HttpResponseMessage start = await SendAsync(reference, () => new HttpRequestMessage(HttpMethod.Post, Url(reference, "blobs/uploads/")), cancellationToken).ConfigureAwait(false))
            {
                await Check(start, $"start of the upload of {digest}", cancellationToken).ConfigureAwait(false);
                upload = start.Headers.Location is { } location ? new Uri(Url(reference, ""), location) : throw new GraphException($"registry {reference.Domain}: no Location for the upload of {digest}");
            }
            string separator = upload.Query.Length > 0 ? "&" : "?";
            var put = new Uri(upload + separator + "digest=" + Uri.EscapeDataString(digest.ToString()));
            using (HttpResponseMessage done = await SendAsync(reference, () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Put, put) { Content = new StreamContent(store.Content.OpenRead(digest)) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                request.Content.Headers.ContentLength = blob.Size;
                return request;
            }, cancellationToken).ConfigureAwait(false))
            {
                await Check(done, $"upload of {digest}", cancellationToken).ConfigureAwait(false);
            }
            progress?.Report(new LayerProgress(blob.Digest, "Pushed", blob.Size, blob.Size));
        }
        byte[] bytes = store.Content.ReadAllBytes(Digest.Parse(image.Manifest));
        string tag = reference.Tag ?? image.Manifest;
        using (HttpResponseMessage response = await SendAsync(reference, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, Url(reference, $"manifests/{tag}")) { Content = new ByteArrayContent(bytes) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(manifest.MediaType ?? MediaTypes.OciManifest);
            return request;
        }, cancellationToken).ConfigureAwait(false))
        {
            await Check(response, $"manifest {tag}", cancellationToken).ConfigureAwait(false);
        }
        return Digest.Parse(image.Manifest);
    }

    private async Task<(byte[] Bytes, string MediaType)> GetManifestAsync(ImageReference reference, string target, Digest? expected, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendAsync(reference, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, Url(reference, $"manifests/{target}"));
            foreach (string type in ManifestTypes)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            }
            return request;
        }, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new GraphException($"manifest for {reference.FamiliarName} not found: manifest unknown");
        }
        await Check(response, $"manifest {target}", cancellationToken).ConfigureAwait(false);
        byte[] bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (bytes.Length > 4 << 20)
        {
            throw new GraphException($"manifest {target} of {reference.Repository} is larger than 4 MiB");
        }
        Digest actual = Digest.Of(bytes);
        if (expected is { } e && actual != e)
        {
            throw new GraphException($"manifest {target} of {reference.Repository}: digest mismatch, the registry sent {actual}");
        }
        return (bytes, response.Content.Headers.ContentType?.MediaType ?? "");
    }

    private async Task<Stream> OpenBlobAsync(ImageReference reference, Descriptor descriptor, CancellationToken cancellationToken)
    {
        HttpResponseMessage response = await SendAsync(reference, () => new HttpRequestMessage(HttpMethod.Get, Url(reference, $"blobs/{descriptor.Digest}")), cancellationToken, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        try
        {
            await Check(response, $"blob {descriptor.Digest}", cancellationToken).ConfigureAwait(false);
            return new ResponseStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private Uri Url(ImageReference reference, string path)
    {
        string host = reference.Domain == ImageReference.DefaultDomain ? "registry-1.docker.io" : reference.Domain;
        string hostName = host.Split(':')[0];
        string scheme = hostName is "localhost" or "127.0.0.1" or "::1" || _insecure.Contains(reference.Domain) ? "http" : "https";
        return new Uri($"{scheme}://{host}/v2/{reference.Path}/{path}");
    }

    /// <summary>Sends with the registry's authorization; on 401 answers its challenge (Bearer token or Basic) once and retries.</summary>
    private async Task<HttpResponseMessage> SendAsync(ImageReference reference, Func<HttpRequestMessage> make, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        string key = reference.Domain + "/" + reference.Path;
        using (HttpRequestMessage request = make())
        {
            if (_authorization.TryGetValue(key, out string? auth))
            {
                request.Headers.TryAddWithoutValidation("Authorization", auth);
            }
            HttpResponseMessage response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                return response;
            }
            AuthenticationHeaderValue? challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
            response.Dispose();
            if (challenge is null)
            {
                throw new GraphException($"registry {reference.Domain}: 401 Unauthorized without a challenge");
            }
            _authorization[key] = await AuthorizeAsync(reference, challenge, cancellationToken).ConfigureAwait(false);
        }
        using HttpRequestMessage retry = make();
        retry.Headers.TryAddWithoutValidation("Authorization", _authorization[key]);
        HttpResponseMessage second = await _http.SendAsync(retry, completion, cancellationToken).ConfigureAwait(false);
        if (second.StatusCode == HttpStatusCode.Unauthorized)
        {
            second.Dispose();
            throw new GraphException($"registry {reference.Domain}: unauthorized: authentication required for {reference.Repository}{(_credentials(reference.Domain) is null ? " (no credentials given)" : " (the credentials were refused)")}");
        }
        return second;
    }

    private async Task<string> AuthorizeAsync(ImageReference reference, AuthenticationHeaderValue challenge, CancellationToken cancellationToken)
    {
        RegistryCredentials? credentials = _credentials(reference.Domain);
        string? basic = credentials is null ? null : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}"));
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return basic ?? throw new GraphException($"registry {reference.Domain}: unauthorized: it asks for a login (basic auth) and none was given");
        }
        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            throw new GraphException($"registry {reference.Domain}: authentication scheme '{challenge.Scheme}' is not supported");
        }
        Dictionary<string, string> parameters = ParseChallenge(challenge.Parameter ?? "");
        if (!parameters.TryGetValue("realm", out string? realm))
        {
            throw new GraphException($"registry {reference.Domain}: Bearer challenge without a realm");
        }
        var query = new List<string>();
        if (parameters.TryGetValue("service", out string? service))
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }
        query.Add("scope=" + Uri.EscapeDataString(parameters.GetValueOrDefault("scope") ?? $"repository:{reference.Path}:pull,push"));
        using var request = new HttpRequestMessage(HttpMethod.Get, realm + (realm.Contains('?', StringComparison.Ordinal) ? "&" : "?") + string.Join('&', query));
        if (basic is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", basic);
        }
        using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await Check(response, "token", cancellationToken).ConfigureAwait(false);
        TokenResponse? token = JsonSerializer.Deserialize(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false), RegistryJsonContext.Default.TokenResponse);
        string? value = token?.Token ?? token?.AccessToken;
        return value is null ? throw new GraphException($"registry {reference.Domain}: the token service {realm} sent no token") : "Bearer " + value;
    }

    internal static Dictionary<string, string> ParseChallenge(string parameters)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int i = 0;
        while (i < parameters.Length)
        {
            while (i < parameters.Length && parameters[i] is ' ' or ',')
            {
                i++;
            }
            int eq = parameters.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }
            string name = parameters[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < parameters.Length && parameters[i] == '"')
            {
                int end = parameters.IndexOf('"', i + 1);
                end = end < 0 ? parameters.Length : end;
                value = parameters[(i + 1)..end];
                i = end + 1;
            }
            else
            {
                int end = parameters.IndexOf(',', i);
                end = end < 0 ? parameters.Length : end;
                value = parameters[i..end];
                i = end;
            }
            result[name] = value;
        }
        return result;
    }

    private static async Task Check(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new GraphException($"registry {response.RequestMessage?.RequestUri?.Authority}: {what}: {(int)response.StatusCode} {response.ReasonPhrase}: {body.Trim()}");
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    /// <summary>A response body that disposes its response.</summary>
    private sealed class ResponseStream(Stream inner, HttpResponseMessage response) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>A token service's answer.</summary>
internal sealed record TokenResponse
{
    [JsonPropertyName("token")] public string? Token { get; init; }
    [JsonPropertyName("access_token")] public string? AccessToken { get; init; }
}

[JsonSerializable(typeof(TokenResponse))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;
