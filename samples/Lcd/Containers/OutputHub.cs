using System.Threading.Channels;

namespace Lcd.Containers;

/// <summary>One chunk of a container's output: which stream (1 stdout, 2 stderr), when, the bytes.</summary>
public readonly record struct OutputChunk(byte Stream, DateTimeOffset Time, ReadOnlyMemory<byte> Data);

/// <summary>
/// Fans a running container's output out to whoever listens now: the json-file log, attached clients,
/// `logs -f`. A subscriber that falls far behind is dropped (its channel is completed), never the container.
/// </summary>
public sealed class OutputHub
{
    private const int Backlog = 4096;
    private readonly Lock _lock = new();
    private readonly List<Channel<OutputChunk>> _subscribers = [];
    private bool _closed;

    /// <summary>A reader of every chunk from now until the container's output ends (or the reader is dropped).</summary>
    public ChannelReader<OutputChunk> Subscribe()
    {
        var channel = Channel.CreateBounded<OutputChunk>(new BoundedChannelOptions(Backlog) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        lock (_lock)
        {
            if (_closed)
            {
                channel.Writer.Complete();
            }
            else
            {
                _subscribers.Add(channel);
            }
        }
        return channel.Reader;
    }

    public void Unsubscribe(ChannelReader<OutputChunk> reader)
    {
        lock (_lock)
        {
            Channel<OutputChunk>? channel = _subscribers.Find(c => c.Reader == reader);
            if (channel is not null)
            {
                _subscribers.Remove(channel);
                channel.Writer.TryComplete();
            }
        }
    }

    public void Publish(OutputChunk chunk)
    {
        lock (_lock)
        {
            for (int i = _subscribers.Count - 1; i >= 0; i--)
            {
                if (!_subscribers[i].Writer.TryWrite(chunk))
                {
                    _subscribers[i].Writer.TryComplete();
                    _subscribers.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>The output has ended: every reader completes after its last chunk.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            foreach (Channel<OutputChunk> channel in _subscribers)
            {
                channel.Writer.TryComplete();
            }
            _subscribers.Clear();
        }
    }
}
