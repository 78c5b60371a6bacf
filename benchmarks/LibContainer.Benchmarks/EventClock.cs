using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LibContainer.Benchmarks;

/// <summary>
/// A logger that keeps only when each of the library's log events happened, so --smoke can split
/// CreateAsync into its steps without strace. The benchmarks themselves run with no logger.
/// </summary>
internal sealed class EventClock : ILoggerFactory, ILogger
{
    /// <summary>The library's EventIds (src/LibContainer/Logging/Log.cs).</summary>
    public const int PlanBuilt = 1;
    public const int InitCloned = 2;
    public const int ContainerCreated = 3;

    private readonly ConcurrentDictionary<int, long> _last = new();

    /// <summary>When the event last happened (Stopwatch ticks), or null.</summary>
    public long? this[int eventId] => _last.TryGetValue(eventId, out long at) ? at : null;

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _last[eventId.Id] = Stopwatch.GetTimestamp();

    public void Dispose()
    {
    }
}
