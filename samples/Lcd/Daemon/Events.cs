using System.Threading.Channels;
using Lcd.Api;

namespace Lcd.Daemon;

/// <summary>
/// The daemon's event bus (dockerd's daemon/events): every part of lcd publishes what happened to
/// its objects (containers, images, networks, volumes) with <see cref="Publish"/>; GET /events
/// replays the recent ones (since) and streams the rest. The last <see cref="Kept"/> events are kept
/// in memory, as dockerd keeps a bounded backlog; a subscriber that falls far behind is dropped,
/// never the publisher.
/// </summary>
public sealed class EventBus
{
    /// <summary>How many past events are kept for since= (dockerd keeps 256; a few more cost nothing).</summary>
    public const int Kept = 1024;

    private const int Backlog = 4096;
    private readonly Lock _lock = new();
    private readonly Queue<EngineEvent> _recent = new();
    private readonly List<Channel<EngineEvent>> _subscribers = [];
    private long _lastNano;

    /// <summary>
    /// Publishes an event: <paramref name="type"/> is container, image, network, volume or daemon;
    /// <paramref name="action"/> Docker's verb (create, start, die, pull, connect ...). Containers and
    /// images also fill the old top-level status, id and from fields, as dockerd does.
    /// </summary>
    public EngineEvent Publish(string type, string action, string actorId, Dictionary<string, string>? attributes = null)
    {
        attributes ??= [];
        bool legacy = type is "container" or "image";
        lock (_lock)
        {
            // Strictly increasing times, so since/until select each event exactly once.
            long nano = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
            nano = _lastNano = Math.Max(nano, _lastNano + 1);
            var message = new EngineEvent
            {
                Status = legacy ? action : null,
                Id = legacy ? actorId : null,
                From = type == "container" && attributes.TryGetValue("image", out string? image) ? image : null,
                Type = type,
                Action = action,
                Actor = new EventActor(actorId, attributes),
                Time = nano / 1_000_000_000,
                TimeNano = nano,
            };
            _recent.Enqueue(message);
            if (_recent.Count > Kept)
            {
                _recent.Dequeue();
            }
            for (int i = _subscribers.Count - 1; i >= 0; i--)
            {
                if (!_subscribers[i].Writer.TryWrite(message))
                {
                    _subscribers[i].Writer.TryComplete();
                    _subscribers.RemoveAt(i);
                }
            }
            return message;
        }
    }

    /// <summary>The kept events and a reader of every later one, taken at one instant (none lost, none twice).</summary>
    public (List<EngineEvent> Past, ChannelReader<EngineEvent> Live) Subscribe()
    {
        var channel = Channel.CreateBounded<EngineEvent>(new BoundedChannelOptions(Backlog) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        lock (_lock)
        {
            _subscribers.Add(channel);
            return ([.. _recent], channel.Reader);
        }
    }

    public void Unsubscribe(ChannelReader<EngineEvent> reader)
    {
        lock (_lock)
        {
            Channel<EngineEvent>? channel = _subscribers.Find(c => c.Reader == reader);
            if (channel is not null)
            {
                _subscribers.Remove(channel);
                channel.Writer.TryComplete();
            }
        }
    }
}
