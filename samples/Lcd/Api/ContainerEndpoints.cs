using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Lcd.Containers;

namespace Lcd.Api;

/// <summary>The /containers group: what docker create, start, run, stop, kill, wait, rm, ps, inspect and logs call (attach: AttachEndpoints).</summary>
internal static class ContainerEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder group = app.MapGroup("/containers");
        group.MapPost("/create", Create);
        group.MapGet("/json", List);
        group.MapGet("/{id}/json", Inspect);
        group.MapPost("/{id}/start", Start);
        group.MapPost("/{id}/stop", Stop);
        group.MapPost("/{id}/restart", Restart);
        group.MapPost("/{id}/kill", Kill);
        group.MapPost("/{id}/wait", Wait);
        group.MapDelete("/{id}", Remove);
        group.MapGet("/{id}/logs", Logs);
    }

    /// <summary>Docker's query booleans: anything but "", "0", "false" and "none" is true.</summary>
    internal static bool Bool(HttpContext context, string name)
    {
        string? value = context.Request.Query[name];
        return !string.IsNullOrEmpty(value) && value != "0" && !value.Equals("false", StringComparison.OrdinalIgnoreCase) && !value.Equals("none", StringComparison.OrdinalIgnoreCase);
    }

    private static int? Int(HttpContext context, string name)
    {
        string? value = context.Request.Query[name];
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        return int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw ApiException.BadRequest($"invalid value for {name}: \"{value}\": not an integer");
    }

    private static async Task Create(HttpContext context, ContainerService containers)
    {
        ContainerCreateRequest? request = await JsonBody.ReadAsync(context, ContainerJsonContext.Default.ContainerCreateRequest);
        if (request is null)
        {
            throw ApiException.BadRequest("Config cannot be empty in order to create a container");
        }
        var warnings = new List<string>();
        ContainerEntry entry = await containers.CreateAsync(context.Request.Query["name"], request, context.RequestAborted, warnings);
        context.Response.StatusCode = StatusCodes.Status201Created;
        await context.Response.WriteAsJsonAsync(new ContainerCreateResponse(entry.Record.Id, warnings), ContainerJsonContext.Default.ContainerCreateResponse, contentType: "application/json", context.RequestAborted);
    }

    private static async Task Start(HttpContext context, string id, ContainerService containers)
    {
        bool started = await containers.StartAsync(containers.Get(id), context.RequestAborted);
        context.Response.StatusCode = started ? StatusCodes.Status204NoContent : StatusCodes.Status304NotModified;
    }

    private static async Task Stop(HttpContext context, string id, ContainerService containers)
    {
        bool stopped = await containers.StopAsync(containers.Get(id), Int(context, "t"), context.RequestAborted);
        context.Response.StatusCode = stopped ? StatusCodes.Status204NoContent : StatusCodes.Status304NotModified;
    }

    private static async Task Restart(HttpContext context, string id, ContainerService containers)
    {
        ContainerEntry entry = containers.Get(id);
        await containers.StopAsync(entry, Int(context, "t"), context.RequestAborted);
        if (entry.Monitor is { } monitor)
        {
            await monitor.WaitAsync(context.RequestAborted);
        }
        await containers.StartAsync(entry, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task Kill(HttpContext context, string id, ContainerService containers)
    {
        await containers.KillAsync(containers.Get(id), context.Request.Query["signal"], context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task Wait(HttpContext context, string id, ContainerService containers)
    {
        ContainerEntry entry = containers.Get(id);
        Task<int> exit = containers.WaitTask(entry, context.Request.Query["condition"]);
        // The headers go out at once, as dockerd sends them: the CLI's wait returns on them, then it starts the container.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        int code = await exit.WaitAsync(context.RequestAborted);
        await JsonSerializer.SerializeAsync(context.Response.Body, new ContainerWaitResponse(code, null), ContainerJsonContext.Default.ContainerWaitResponse, context.RequestAborted);
    }

    private static async Task Remove(HttpContext context, string id, ContainerService containers)
    {
        await containers.RemoveAsync(containers.Get(id), Bool(context, "force"), context.RequestAborted, removeVolumes: Bool(context, "v"));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task Inspect(HttpContext context, string id, ContainerService containers)
    {
        ContainerEntry entry = containers.Get(id);
        ContainerRecord r = entry.Record;
        Lcd.Network.Sandboxes.NetworkSandbox? sandbox = containers.SandboxOf(r.Id);
        var body = new ContainerInspectResponse
        {
            Id = r.Id,
            Created = r.Created,
            Path = r.Path,
            Args = r.Args,
            State = r.State,
            Image = r.Image, // the image id: its config's digest, "sha256:..."
            ResolvConfPath = sandbox?.ResolvConfPath ?? "",
            HostnamePath = sandbox?.HostnamePath ?? "",
            HostsPath = sandbox?.HostsPath ?? "",
            LogPath = r.LogPath,
            Name = r.Name,
            RestartCount = r.RestartCount,
            Driver = containers.Rootfs.Kind.ToString().ToLowerInvariant(),
            Platform = "linux",
            HostConfig = r.HostConfig,
            Config = r.Config,
            Mounts = r.MountPoints ?? [],
            NetworkSettings = containers.NetworkSettings(entry, sandbox),
        };
        await context.Response.WriteAsJsonAsync(body, ContainerJsonContext.Default.ContainerInspectResponse, contentType: "application/json", context.RequestAborted);
    }

    private static async Task List(HttpContext context, ContainerService containers)
    {
        bool all = Bool(context, "all");
        Dictionary<string, List<string>> filters = ParseFilters(context.Request.Query["filters"]);
        int? limit = Int(context, "limit");
        var list = new List<ContainerSummary>();
        Dictionary<string, Lcd.Network.Sandboxes.NetworkSandbox> sandboxes = containers.Network.ListSandboxes().ToDictionary(s => s.ContainerId, StringComparer.Ordinal);
        foreach (ContainerEntry entry in containers.List())
        {
            ContainerRecord r = entry.Record;
            Lcd.Network.Sandboxes.NetworkSandbox? sandbox = r.State.Running ? sandboxes.GetValueOrDefault(r.Id) : null;
            bool filtered = filters.ContainsKey("status");
            if (!all && !filtered && !r.State.Running && !r.State.Restarting)
            {
                continue;
            }
            if (!Matches(r, filters))
            {
                continue;
            }
            list.Add(new ContainerSummary
            {
                Id = r.Id,
                Names = [r.Name],
                Image = r.Config.Image ?? "",
                ImageID = r.Image,
                Command = string.Join(' ', [r.Path, .. r.Args]),
                Created = DateTimeOffset.Parse(r.Created, CultureInfo.InvariantCulture).ToUnixTimeSeconds(),
                Ports = ContainerService.PortSummaries(r, sandbox),
                Labels = r.Config.Labels ?? [],
                State = r.State.Status,
                Status = HumanStatus(r.State),
                HostConfig = new SummaryHostConfig(r.HostConfig.NetworkMode ?? "default"),
                NetworkSettings = new SummaryNetworkSettings(ContainerService.Endpoints(r, sandbox)),
                Mounts = r.MountPoints ?? [],
            });
            if (limit is > 0 && list.Count >= limit)
            {
                break;
            }
        }
        await context.Response.WriteAsJsonAsync(list, ContainerJsonContext.Default.ListContainerSummary, contentType: "application/json", context.RequestAborted);
    }

    /// <summary>The filters query: {"status": ["running"], "name": ["web"], "label": ["a=b"]} (also the old map-of-bools form).</summary>
    internal static Dictionary<string, List<string>> ParseFilters(string? json, params string[] allowed) =>
        Filters.Parse(json, allowed.Length == 0 ? ["status", "name", "label", "id"] : allowed);

    private static bool Matches(ContainerRecord r, Dictionary<string, List<string>> filters)
    {
        foreach ((string key, List<string> values) in filters)
        {
            bool any = key switch
            {
                "status" => values.Contains(r.State.Status),
                "name" => values.Any(v => r.Name.TrimStart('/').Contains(v.TrimStart('/'), StringComparison.Ordinal)),
                "id" => values.Any(v => r.Id.StartsWith(v, StringComparison.Ordinal)),
                "label" => values.Any(v =>
                {
                    string[] kv = v.Split('=', 2);
                    return r.Config.Labels is { } labels && labels.TryGetValue(kv[0], out string? value) && (kv.Length == 1 || value == kv[1]);
                }),
                _ => false,
            };
            if (!any)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>"Up 5 seconds", "Exited (0) 3 minutes ago", "Created": what docker ps prints.</summary>
    internal static string HumanStatus(ContainerStateJson state)
    {
        static string Ago(string time)
        {
            TimeSpan d = DateTimeOffset.UtcNow - DateTimeOffset.Parse(time, CultureInfo.InvariantCulture);
            return d.TotalSeconds < 1 ? "Less than a second"
                : d.TotalSeconds < 60 ? $"{(int)d.TotalSeconds} seconds"
                : d.TotalMinutes < 60 ? $"{(int)d.TotalMinutes} minutes"
                : d.TotalHours < 48 ? $"{(int)d.TotalHours} hours"
                : $"{(int)d.TotalDays} days";
        }
        return state.Status switch
        {
            "running" => "Up " + Ago(state.StartedAt),
            "paused" => "Up " + Ago(state.StartedAt) + " (Paused)",
            "exited" => $"Exited ({state.ExitCode}) {Ago(state.FinishedAt)} ago",
            "restarting" => $"Restarting ({state.ExitCode}) {Ago(state.FinishedAt)} ago",
            "created" => "Created",
            "removing" => "Removal In Progress",
            _ => state.Status,
        };
    }

    private static async Task Logs(HttpContext context, string id, ContainerService containers)
    {
        ContainerEntry entry = containers.Get(id);
        bool stdout = Bool(context, "stdout"), stderr = Bool(context, "stderr");
        if (!stdout && !stderr)
        {
            throw ApiException.BadRequest("Bad parameters: you must choose at least one stream");
        }
        bool follow = Bool(context, "follow"), timestamps = Bool(context, "timestamps");
        bool tty = entry.Record.Config.Tty;
        string? tailText = context.Request.Query["tail"];
        int? tail = string.IsNullOrEmpty(tailText) || tailText == "all" ? null
            : int.TryParse(tailText, NumberStyles.None, CultureInfo.InvariantCulture, out int t) ? t : null;
        DateTimeOffset? since = ParseUnixTime(context.Request.Query["since"]);
        DateTimeOffset? until = ParseUnixTime(context.Request.Query["until"]);

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = StreamFraming.RawStream;
        await context.Response.StartAsync(context.RequestAborted);
        Stream body = context.Response.Body;
        bool Wanted(byte stream, DateTimeOffset time) =>
            (stream == 1 ? stdout : stderr) && (since is null || time >= since) && (until is null || time <= until);
        async Task SendAsync(byte stream, DateTimeOffset time, ReadOnlyMemory<byte> text)
        {
            if (timestamps)
            {
                text = Encoding.UTF8.GetBytes(JsonFileLog.FormatTime(time) + " ").Concat(text.ToArray()).ToArray();
            }
            if (tty)
            {
                // A terminal's output is one raw stream: no frames, as dockerd sends it.
                await body.WriteAsync(text, context.RequestAborted);
                await body.FlushAsync(context.RequestAborted);
                return;
            }
            await StreamFraming.WriteFrameAsync(body, stream, text, context.RequestAborted);
        }

        ChannelReader<OutputChunk>? live = null;
        List<(byte Stream, DateTimeOffset Time, string Log)> past;
        await entry.LogLock.WaitAsync(context.RequestAborted);
        try
        {
            past = JsonFileLog.Read(entry.Record.LogPath).ToList();
            if (follow && entry.IsRunning)
            {
                live = entry.Logged.Subscribe();
            }
        }
        finally
        {
            entry.LogLock.Release();
        }
        IEnumerable<(byte Stream, DateTimeOffset Time, string Log)> selected = past.Where(e => Wanted(e.Stream, e.Time));
        if (tail is int n)
        {
            selected = selected.TakeLast(n);
        }
        foreach ((byte stream, DateTimeOffset time, string log) in selected)
        {
            await SendAsync(stream, time, Encoding.UTF8.GetBytes(log));
        }
        if (live is not null)
        {
            try
            {
                await foreach (OutputChunk chunk in live.ReadAllAsync(context.RequestAborted))
                {
                    if (Wanted(chunk.Stream, chunk.Time))
                    {
                        await SendAsync(chunk.Stream, chunk.Time, chunk.Data);
                    }
                }
            }
            finally
            {
                entry.Logged.Unsubscribe(live);
            }
        }
    }

    internal static DateTimeOffset? ParseUnixTime(string? value)
    {
        if (string.IsNullOrEmpty(value) || value == "0")
        {
            return null;
        }
        return decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal seconds)
            ? DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond))
            : throw ApiException.BadRequest($"invalid time value: \"{value}\"");
    }
}
