using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Lcd.Graph;
using Lcd.Graph.Oci;
using Microsoft.AspNetCore.Http.Features;

namespace Lcd.Api;

/// <summary>
/// Images in and out of the graph driver: docker pull (POST /images/create), push, load, save
/// (GET /images/get, /images/NAME/get), history and image prune. Pull, push and load stream Docker's
/// progress JSON (one object a line), so the CLI draws its bars; an error before the first line is an
/// HTTP status, after it an errorDetail line (as dockerd does).
/// </summary>
internal static partial class ImageTransferEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/images/create", Pull);
        app.MapPost("/images/load", Load);
        app.MapGet("/images/get", SaveMany);
        app.MapPost("/images/prune", Prune);
    }

    /// <summary>GET /images/NAME/{get,history}: names may hold slashes, so <see cref="ImageEndpoints"/>' catch-all route hands them here.</summary>
    public static Task Get(HttpContext context, string path, ImageStore images)
    {
        if (path.EndsWith("/get", StringComparison.Ordinal))
        {
            return SaveAsync(context, [path[..^"/get".Length]], images);
        }
        if (path.EndsWith("/history", StringComparison.Ordinal))
        {
            return History(context, path[..^"/history".Length], images);
        }
        throw ApiException.NotFound("page not found");
    }

    /// <summary>POST /images/NAME/push (from <see cref="ImageEndpoints"/>' catch-all route).</summary>
    public static Task Post(HttpContext context, string path, ImageStore images) =>
        path.EndsWith("/push", StringComparison.Ordinal) ? Push(context, path[..^"/push".Length], images) : throw ApiException.NotFound("page not found");

    /// <summary>Image inspect's RepoDigests: the repo@digest names pull and push recorded.</summary>
    public static List<string> RepoDigests(ImageStore images, ImageRecord image) =>
        images.NamesOf(image.Id).Where(n => n.Contains('@', StringComparison.Ordinal)).Select(n => ImageReference.Parse(n).FamiliarName).ToList();

    private static async Task Pull(HttpContext context, ImageStore images)
    {
        string? fromImage = context.Request.Query["fromImage"];
        string? tag = context.Request.Query["tag"];
        if (!string.IsNullOrEmpty(context.Request.Query["fromSrc"]))
        {
            throw ApiException.BadRequest("fromSrc (docker import) is not supported by lcd");
        }
        if (string.IsNullOrEmpty(fromImage))
        {
            throw ApiException.BadRequest("fromImage: an image name is required");
        }
        string target = string.IsNullOrEmpty(tag) ? fromImage : tag.StartsWith("sha256:", StringComparison.Ordinal) ? $"{fromImage}@{tag}" : $"{fromImage}:{tag}";
        if (!ImageReference.TryParse(target, out ImageReference? reference))
        {
            throw ApiException.BadRequest($"invalid reference format: \"{target}\"");
        }
        string? platform = context.Request.Query["platform"];
        if (!string.IsNullOrEmpty(platform) && platform is not ("linux" or "linux/amd64"))
        {
            throw ApiException.BadRequest($"platform \"{platform}\": lcd pulls linux/amd64 only");
        }
        string? before = images.Find(reference!.ToString())?.Id;
        ILogger logger = Logger(context);
        await using var progress = new ProgressWriter(context, "Pulling from " + reference.Path, reference.Tag ?? reference.Digest?.ToString());
        try
        {
            using var registry = new RegistryClient(Credentials(context));
            ImageRecord image = await registry.PullAsync(images, reference, new PullProgress(progress), context.RequestAborted);
            await images.TagAsync(image.Id, ImageReference.Parse($"{reference.Repository}@{image.Manifest}"), CancellationToken.None);
            LogPulled(logger, reference, image.Id, image.Manifest);
            progress.Send(new ProgressMessage { Status = "Digest: " + image.Manifest });
            progress.Send(new ProgressMessage { Status = (before == image.Id ? "Status: Image is up to date for " : "Status: Downloaded newer image for ") + reference.FamiliarName });
        }
        catch (GraphException ex)
        {
            await progress.FailAsync(ex.Message.Contains("not found", StringComparison.Ordinal) ? StatusCodes.Status404NotFound : StatusCodes.Status500InternalServerError, ex.Message);
        }
        catch (HttpRequestException ex)
        {
            await progress.FailAsync(StatusCodes.Status500InternalServerError, $"Get \"{reference.Domain}\": {ex.Message}");
        }
    }

    private static async Task Push(HttpContext context, string name, ImageStore images)
    {
        if (!ImageReference.TryParse(name, out ImageReference? repository))
        {
            throw ApiException.BadRequest($"invalid reference format: \"{name}\"");
        }
        string? tag = context.Request.Query["tag"];
        List<ImageReference> targets = string.IsNullOrEmpty(tag)
            ? images.Names().Keys.Select(ImageReference.Parse).Where(r => r.Repository == repository!.Repository && r.Tag is not null && r.Digest is null).ToList()
            : [repository!.WithTag(tag)];
        if (targets.Count == 0 || targets.Any(t => images.Find(t.ToString()) is null))
        {
            throw ApiException.NotFound($"An image does not exist locally with the tag: {(targets.Count == 0 ? FamiliarRepository(repository!) : targets.First(t => images.Find(t.ToString()) is null).FamiliarName)}");
        }
        ILogger logger = Logger(context);
        await using var progress = new ProgressWriter(context, null, null);
        progress.Send(new ProgressMessage { Status = $"The push refers to repository [{FamiliarRepository(repository!)}]" });
        try
        {
            using var registry = new RegistryClient(Credentials(context));
            foreach (ImageReference target in targets)
            {
                ImageRecord image = images.Find(target.ToString())!;
                Manifest manifest = images.GetManifest(image);
                foreach (Descriptor layer in manifest.Layers)
                {
                    progress.Send(new ProgressMessage { Status = "Preparing", Id = ShortId(layer.Digest) });
                }
                Digest digest = await registry.PushAsync(images, image, target, new LayerFilter(progress, manifest.Config.Digest), context.RequestAborted);
                await images.TagAsync(image.Id, ImageReference.Parse($"{target.Repository}@{digest}"), CancellationToken.None);
                long size = images.Content.ReadAllBytes(digest).Length;
                LogPushed(logger, target, digest);
                progress.Send(new ProgressMessage { Status = $"{target.Tag}: digest: {digest} size: {size}" });
                progress.Send(new ProgressMessage { ProgressDetail = new ProgressDetail(0, 0), Aux = new PushResult(target.Tag!, digest.ToString(), size) });
            }
        }
        catch (Exception ex) when (ex is GraphException or HttpRequestException)
        {
            await progress.FailAsync(StatusCodes.Status500InternalServerError, ex.Message);
        }
    }

    private static async Task Load(HttpContext context, ImageStore images)
    {
        // The body is an archive of any size the store accepts; each layer is bounded by the unpack limit.
        context.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = null;
        bool quiet = ContainerEndpoints.Bool(context, "quiet");
        await using var progress = new ProgressWriter(context, null, null);
        IProgress<LayerProgress>? layers = quiet ? null : new LoadProgress(progress);
        try
        {
            IReadOnlyList<LoadedImage> loaded = await ImageArchive.LoadNamedAsync(images, context.Request.Body, layers, context.RequestAborted);
            foreach (LoadedImage image in loaded)
            {
                List<string> tags = image.Names.Where(r => r.Tag is not null).Select(r => r.FamiliarName).ToList();
                foreach (string line in tags.Count == 0 ? [$"Loaded image ID: {image.Image.Id}"] : tags.Select(t => $"Loaded image: {t}"))
                {
                    progress.Send(new ProgressMessage { Stream = line + "\n" });
                }
            }
        }
        catch (GraphException ex)
        {
            await progress.FailAsync(StatusCodes.Status400BadRequest, ex.Message);
        }
    }

    private static Task SaveMany(HttpContext context, ImageStore images)
    {
        List<string> names = context.Request.Query["names"].Where(n => !string.IsNullOrEmpty(n)).Select(n => n!).ToList();
        return names.Count == 0 ? throw ApiException.BadRequest("names: at least one image is required") : SaveAsync(context, names, images);
    }

    private static async Task SaveAsync(HttpContext context, List<string> names, ImageStore images)
    {
        foreach (string name in names)
        {
            _ = images.Find(name) ?? throw ApiException.NotFound($"No such image: {name}");
        }
        context.Response.ContentType = "application/x-tar";
        await ImageArchive.SaveAsync(images, names, context.Response.Body, context.RequestAborted);
    }

    private static async Task History(HttpContext context, string name, ImageStore images)
    {
        ImageRecord image = images.Find(name) ?? throw ApiException.NotFound($"No such image: {name}");
        ImageConfig config = images.GetConfig(image);
        List<Descriptor> layers = images.GetManifest(image).Layers;
        List<History> history = config.History is { Count: > 0 } h ? h : [.. layers.Select(_ => new History())];
        var items = new List<ImageHistoryItem>();
        int layer = 0;
        foreach (History step in history)
        {
            bool empty = step.EmptyLayer == true || layer >= layers.Count;
            long size = empty ? 0 : layers[layer++].Size;
            items.Add(new ImageHistoryItem("<missing>", UnixTime(step.Created), step.CreatedBy ?? "", null, size, step.Comment ?? ""));
        }
        items.Reverse();
        if (items.Count > 0)
        {
            List<string> tags = images.NamesOf(image.Id).Select(ImageReference.Parse).Where(r => r.Tag is not null).Select(r => r.FamiliarName).ToList();
            items[0] = items[0] with { Id = image.Id, Tags = tags };
        }
        await context.Response.WriteAsJsonAsync(items, ImageTransferJsonContext.Default.ListImageHistoryItem, contentType: "application/json", context.RequestAborted);
    }

    private static async Task Prune(HttpContext context, ImageStore images)
    {
        Dictionary<string, List<string>> filters = Filters.Parse(context.Request.Query["filters"], "dangling", "label", "until");
        if (filters.ContainsKey("until"))
        {
            throw ApiException.BadRequest("the until filter is not supported by lcd");
        }
        bool danglingOnly = !filters.TryGetValue("dangling", out List<string>? dangling) || dangling.Any(v => v is "true" or "1");
        var deleted = new List<ImageDeleteItem>();
        var freed = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (ImageRecord image in images.List())
        {
            bool tagged = images.NamesOf(image.Id).Any(n => !n.Contains('@', StringComparison.Ordinal));
            if ((danglingOnly && tagged) || images.LeaseHolders(image.Id).Count > 0)
            {
                continue;
            }
            if (filters.TryGetValue("label", out List<string>? labels) && !labels.All(l => Filters.LabelMatches(l, images.GetConfig(image).Config?.Labels)))
            {
                continue;
            }
            List<Descriptor> layers = images.GetManifest(image).Layers;
            IReadOnlyList<string> done;
            try
            {
                done = await images.RemoveAsync(image.Id, force: false, context.RequestAborted);
            }
            catch (GraphException ex) when (ex.Message.StartsWith("conflict", StringComparison.Ordinal))
            {
                continue; // a container took it meanwhile
            }
            layers.ForEach(l => freed[l.Digest] = l.Size);
            deleted.AddRange(done.Select(line => line.StartsWith("Untagged: ", StringComparison.Ordinal)
                ? new ImageDeleteItem(line["Untagged: ".Length..], null)
                : new ImageDeleteItem(null, line["Deleted: ".Length..])));
        }
        // What went: the layers of removed images that no image left uses.
        foreach (ImageRecord left in images.List())
        {
            images.GetManifest(left).Layers.ForEach(l => freed.Remove(l.Digest));
        }
        await images.GarbageCollectAsync(context.RequestAborted);
        await context.Response.WriteAsJsonAsync(new ImagePruneResponse(deleted, freed.Values.Sum()), ImageTransferJsonContext.Default.ImagePruneResponse, contentType: "application/json", context.RequestAborted);
    }

    private static long UnixTime(string? created) =>
        created is not null && DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset t) ? t.ToUnixTimeSeconds() : 0;

    /// <summary>The repository as Docker prints it: busybox, 127.0.0.1:5000/app (no tag, no digest).</summary>
    private static string FamiliarRepository(ImageReference reference)
    {
        string name = reference.FamiliarName;
        int at = name.IndexOf('@', StringComparison.Ordinal);
        name = at < 0 ? name : name[..at];
        return reference.Tag is { } tag && name.EndsWith(":" + tag, StringComparison.Ordinal) ? name[..^(tag.Length + 1)] : name;
    }

    private static string ShortId(string digest) => Digest.TryParse(digest, out Digest d) ? d.Hex[..12] : digest;

    private static ILogger Logger(HttpContext context) => context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Lcd.Images");

    /// <summary>The login of X-Registry-Auth (base64url JSON, as the CLI sends it) for whichever registry is asked; null when none.</summary>
    internal static Func<string, RegistryCredentials?> Credentials(HttpContext context)
    {
        string? header = context.Request.Headers["X-Registry-Auth"];
        RegistryCredentials? login = ParseAuth(header);
        return _ => login;
    }

    internal static RegistryCredentials? ParseAuth(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }
        RegistryAuth? auth;
        try
        {
            string b64 = header.Trim().Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            auth = JsonSerializer.Deserialize(Convert.FromBase64String(b64), ImageTransferJsonContext.Default.RegistryAuth);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            throw ApiException.BadRequest($"X-Registry-Auth: not base64url-encoded JSON: {ex.Message}");
        }
        if (auth is null)
        {
            return null;
        }
        if (!string.IsNullOrEmpty(auth.IdentityToken))
        {
            return new RegistryCredentials("<token>", auth.IdentityToken);
        }
        if (!string.IsNullOrEmpty(auth.Username))
        {
            return new RegistryCredentials(auth.Username, auth.Password ?? "");
        }
        if (!string.IsNullOrEmpty(auth.Auth))
        {
            string[] pair = Encoding.UTF8.GetString(Convert.FromBase64String(auth.Auth)).Split(':', 2);
            return new RegistryCredentials(pair[0], pair.Length > 1 ? pair[1] : "");
        }
        return null;
    }

    /// <summary>Docker's text bar: [=====>      ]  1.2MB/3.4MB.</summary>
    internal static string Bar(long current, long total)
    {
        if (total <= 0)
        {
            return Human(current);
        }
        int width = 50, done = (int)Math.Clamp(current * width / total, 0, width);
        string bar = new string('=', Math.Max(0, done - 1)) + (done > 0 ? ">" : "") + new string(' ', width - done);
        return $"[{bar}] {Human(current),8}/{Human(total)}";
    }

    private static string Human(long bytes) => bytes switch
    {
        >= 1_000_000_000 => (bytes / 1e9).ToString("0.###", CultureInfo.InvariantCulture) + "GB",
        >= 1_000_000 => (bytes / 1e6).ToString("0.###", CultureInfo.InvariantCulture) + "MB",
        >= 1_000 => (bytes / 1e3).ToString("0.###", CultureInfo.InvariantCulture) + "kB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + "B",
    };

    /// <summary>
    /// The progress stream of one request: messages from any thread go through a channel to one writer
    /// (each object a line, flushed). Nothing is written (no status, no header) until the first message,
    /// so an early failure can still be an HTTP status.
    /// </summary>
    private sealed class ProgressWriter : IProgress<LayerProgress>, IAsyncDisposable
    {
        private readonly HttpContext _context;
        private readonly Channel<ProgressMessage> _messages = Channel.CreateUnbounded<ProgressMessage>(new UnboundedChannelOptions { SingleReader = true });
        private readonly Task _pump;
        private readonly Dictionary<string, long> _lastTicks = new(StringComparer.Ordinal);
        private string? _header;
        private readonly string? _headerId;
        private bool _started;

        public ProgressWriter(HttpContext context, string? header, string? headerId)
        {
            _context = context;
            _header = header;
            _headerId = headerId;
            _pump = PumpAsync();
        }

        public void Report(LayerProgress value)
        {
            string id = ShortId(value.Digest);
            bool bar = value.Status is "Downloading" or "Extracting" or "Pushing" or "Loading layer";
            lock (_lastTicks)
            {
                // Bars at most ten times a second per layer (and always their end).
                long now = Environment.TickCount64;
                string key = id + value.Status;
                if (bar && value.Current != value.Total && _lastTicks.TryGetValue(key, out long last) && now - last < 100)
                {
                    return;
                }
                _lastTicks[key] = now;
            }
            Send(new ProgressMessage
            {
                Status = value.Status,
                Id = id,
                ProgressDetail = bar ? new ProgressDetail(value.Current, value.Total) : new ProgressDetail(0, 0),
                Progress = bar ? Bar(value.Current, value.Total) : null,
            });
        }

        public void Send(ProgressMessage message)
        {
            lock (_lastTicks)
            {
                if (_header is not null)
                {
                    _messages.Writer.TryWrite(new ProgressMessage { Status = _header, Id = _headerId });
                    _header = null;
                }
            }
            _messages.Writer.TryWrite(message);
        }

        /// <summary>Before the first line: the error as an HTTP status (thrown); after: Docker's errorDetail line.</summary>
        public async Task FailAsync(int status, string message)
        {
            _messages.Writer.TryComplete();
            await _pump;
            if (!_started)
            {
                throw new ApiException(status, message);
            }
            await WriteAsync(new ProgressMessage { ErrorDetail = new ErrorDetail(message), Error = message });
        }

        private async Task PumpAsync()
        {
            await foreach (ProgressMessage message in _messages.Reader.ReadAllAsync())
            {
                await WriteAsync(message);
            }
        }

        private async Task WriteAsync(ProgressMessage message)
        {
            if (!_started)
            {
                _started = true;
                _context.Response.StatusCode = StatusCodes.Status200OK;
                _context.Response.ContentType = "application/json";
            }
            try
            {
                await JsonSerializer.SerializeAsync(_context.Response.Body, message, ImageTransferJsonContext.Default.ProgressMessage, _context.RequestAborted);
                await _context.Response.Body.WriteAsync("\r\n"u8.ToArray(), _context.RequestAborted);
                await _context.Response.Body.FlushAsync(_context.RequestAborted);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                // The client went away; the transfer itself goes on to its end (or its own cancellation).
            }
        }

        public async ValueTask DisposeAsync()
        {
            _messages.Writer.TryComplete();
            await _pump;
        }
    }

    /// <summary>A push's progress without the config blob (Docker shows layers only).</summary>
    private sealed class LayerFilter(IProgress<LayerProgress> inner, string config) : IProgress<LayerProgress>
    {
        public void Report(LayerProgress value)
        {
            if (value.Digest != config)
            {
                inner.Report(value);
            }
        }
    }

    /// <summary>A pull's lines: a layer the store already has says "Already exists" and nothing more, as Docker prints it.</summary>
    private sealed class PullProgress(IProgress<LayerProgress> inner) : IProgress<LayerProgress>
    {
        private readonly HashSet<string> _present = new(StringComparer.Ordinal);

        public void Report(LayerProgress value)
        {
            lock (_present)
            {
                if (value.Status == "Already exists")
                {
                    _present.Add(value.Digest);
                }
                else if (_present.Contains(value.Digest))
                {
                    return;
                }
            }
            inner.Report(value);
        }
    }

    /// <summary>docker load's lines: "Loading layer" bars while a layer is unpacked.</summary>
    private sealed class LoadProgress(IProgress<LayerProgress> inner) : IProgress<LayerProgress>
    {
        public void Report(LayerProgress value)
        {
            if (value.Status is "Extracting" or "Pull complete")
            {
                inner.Report(value with { Status = "Loading layer", Current = value.Status == "Pull complete" ? value.Total : value.Current });
            }
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Pulled {Reference}: image {ImageId}, manifest {Manifest}")]
    private static partial void LogPulled(ILogger logger, ImageReference reference, string imageId, string manifest);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Pushed {Reference}: manifest {Manifest}")]
    private static partial void LogPushed(ILogger logger, ImageReference reference, Digest manifest);
}
