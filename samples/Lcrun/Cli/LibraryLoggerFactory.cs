using Microsoft.Extensions.Logging;

namespace Lcrun.Cli;

/// <summary>Hands the library's log messages to the CLI's log: errors always, the rest (its warnings repeat the error lcrun reports) with --debug.</summary>
internal sealed class LibraryLoggerFactory(CliLog log) : ILoggerFactory, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && (log.Debug || logLevel >= LogLevel.Error);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!IsEnabled(logLevel))
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
