using Microsoft.Extensions.Logging;

namespace Lcrun.Cli;

/// <summary>
/// Hands the library's log messages to the CLI's log: warnings and errors always (the runtime-spec wants
/// some warnings logged: capabilities it cannot grant, a failed poststart hook; runc prints its own),
/// except "create failed, cleaning up", which repeats the error lcrun reports; the rest with --debug.
/// </summary>
internal sealed class LibraryLoggerFactory(CliLog log) : ILoggerFactory, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    private const int CreateFailedEventId = 4; // LibContainer.Logging.Log.CreateFailed

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && (log.Debug || logLevel >= LogLevel.Warning);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!IsEnabled(logLevel) || (eventId.Id == CreateFailedEventId && !log.Debug))
        {
            return;
        }
        string message = formatter(state, exception);
        log.Write(logLevel, exception is null ? message : $"{message}: {exception.Message}");
    }

    public void Dispose()
    {
    }
}
