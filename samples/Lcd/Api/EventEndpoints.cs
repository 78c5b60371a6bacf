using System.Text.Json;
using System.Threading.Channels;
using Lcd.Daemon;

namespace Lcd.Api;

/// <summary>GET /events (docker events): the kept events from since=, then live ones until until= (or the client leaves), filtered.</summary>
internal static class EventEndpoints
{
    private static readonly string[] s_filters = ["type", "event", "container", "image", "label", "network", "volume", "daemon"];

    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/events", Stream);

    private static async Task Stream(HttpContext context, EventBus events)
    {
        DateTimeOffset? since = ContainerEndpoints.ParseUnixTime(context.Request.Query["since"]);
        DateTimeOffset? until = ContainerEndpoints.ParseUnixTime(context.Request.Query["until"]);
        Dictionary<string, List<string>> filters = ContainerEndpoints.ParseFilters(context.Request.Query["filters"], s_filters);
        if (since is not null && until is not null && until < since)
        {
            throw ApiException.BadRequest("`since` time must be before `until` time");
        }
        long sinceNano = since is { } s ? (s - DateTimeOffset.UnixEpoch).Ticks * 100 : long.MaxValue;
        long untilNano = until is { } u ? (u - DateTimeOffset.UnixEpoch).Ticks * 100 : long.MaxValue;

        (List<EngineEvent> past, ChannelReader<EngineEvent> live) = events.Subscribe();
        try
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            // Without since= only live events are sent, as dockerd.
            foreach (EngineEvent message in past)
            {
                if (message.TimeNano >= sinceNano && message.TimeNano <= untilNano && Matches(message, filters))
                {
                    await WriteAsync(context, message);
                }
            }
            if (until is { } end && end <= DateTimeOffset.UtcNow)
            {
                return;
            }
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            if (until is { } later)
            {
                stop.CancelAfter(later - DateTimeOffset.UtcNow);
            }
            try
            {
                await foreach (EngineEvent message in live.ReadAllAsync(stop.Token))
                {
                    if (message.TimeNano > untilNano)
                    {
                        return;
                    }
                    if (Matches(message, filters))
                    {
                        await WriteAsync(context, message);
                    }
                }
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                // until= reached: the stream ends normally.
            }
        }
        finally
        {
            events.Unsubscribe(live);
        }
    }

    private static async Task WriteAsync(HttpContext context, EngineEvent message)
    {
        await JsonSerializer.SerializeAsync(context.Response.Body, message, EventJsonContext.Default.EngineEvent, context.RequestAborted);
        await context.Response.Body.WriteAsync("\n"u8.ToArray(), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    /// <summary>dockerd's event filters: each key must match (any of its values), keys are ANDed.</summary>
    internal static bool Matches(EngineEvent message, Dictionary<string, List<string>> filters)
    {
        Dictionary<string, string> attributes = message.Actor.Attributes;
        string? name = attributes.GetValueOrDefault("name");
        bool Actor(string type, List<string> values) => message.Type == type
            && values.Any(v => v == message.Actor.ID || (v.Length >= 1 && message.Actor.ID.StartsWith(v, StringComparison.Ordinal)) || v.TrimStart('/') == name);
        foreach ((string key, List<string> values) in filters)
        {
            bool any = key switch
            {
                "type" => values.Contains(message.Type),
                // "exec_create: ls -l" is matched by exec_create, as dockerd matches it.
                "event" => values.Contains(message.Action) || values.Contains(message.Action.Split(':', 2)[0]),
                "container" => Actor("container", values),
                "image" => Actor("image", values) || (message.Type == "container" && attributes.TryGetValue("image", out string? image) && values.Contains(image)),
                "network" => Actor("network", values),
                "volume" => Actor("volume", values),
                "daemon" => Actor("daemon", values),
                "label" => values.Any(v =>
                {
                    string[] kv = v.Split('=', 2);
                    return attributes.TryGetValue(kv[0], out string? value) && (kv.Length == 1 || value == kv[1]);
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
}
