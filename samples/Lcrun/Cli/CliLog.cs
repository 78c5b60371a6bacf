using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Lcrun.Io;

namespace Lcrun.Cli;

/// <summary>
/// runc's log: logrus lines to --log FILE (appended) or else to stderr, as text
/// (<c>time="..." level=error msg="..."</c>) or JSON (<c>{"level":"error","msg":"...","time":"..."}</c>,
/// which containerd's shim reads back to report why a call failed).
/// </summary>
internal sealed class CliLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly FileStream? _file;

    public CliLog(string? path, string format, bool debug)
    {
        if (format is not ("text" or "json"))
        {
            throw new UsageException($"invalid log-format: {format}");
        }
        Json = format == "json";
        Debug = debug;
        if (!string.IsNullOrEmpty(path))
        {
            _file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Append,
                Access = FileAccess.Write,
                Share = FileShare.ReadWrite | FileShare.Delete,
                UnixCreateMode = (UnixFileMode)Convert.ToInt32("644", 8),
            });
        }
    }

    /// <summary>A log that writes text to stderr, for errors before the flags are known.</summary>
    public static CliLog Default => new(null, "text", debug: false);

    public bool Json { get; }

    public bool Debug { get; }

    /// <summary>Whether the log is stderr itself (no --log): then an error is written once.</summary>
    public bool ToStderr => _file is null;

    public void Write(LogLevel level, string message)
    {
        if (level < LogLevel.Information && !Debug)
        {
            return;
        }
        byte[] line = Format(level, message, DateTimeOffset.Now, Json);
        lock (_lock)
        {
            if (_file is not null)
            {
                _file.Write(line);
                _file.Flush();
            }
            else
            {
                StdStreams.Error(line);
            }
        }
    }

    public void Error(string message) => Write(LogLevel.Error, message);

    public void Warn(string message) => Write(LogLevel.Warning, message);

    public void DebugLine(string message) => Write(LogLevel.Debug, message);

    /// <summary>One logrus line, newline included.</summary>
    internal static byte[] Format(LogLevel level, string message, DateTimeOffset time, bool json)
    {
        string levelName = level switch
        {
            LogLevel.Trace => "trace",
            LogLevel.Debug => "debug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warning",
            _ => "error",
        };
        string timestamp = time.Offset == TimeSpan.Zero
            ? time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : time.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        if (!json)
        {
            return Encoding.UTF8.GetBytes($"time=\"{timestamp}\" level={levelName} msg={QuoteIfNeeded(message)}\n");
        }
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, JsonFormat.Options))
        {
            // logrus sorts the keys: level, msg, time.
            writer.WriteStartObject();
            writer.WriteString("level", levelName);
            writer.WriteString("msg", message);
            writer.WriteString("time", timestamp);
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>logrus's text formatter: bare when every character is plain, else a Go-quoted string.</summary>
    internal static string QuoteIfNeeded(string text)
    {
        if (text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || "-._/@^+".Contains(c, StringComparison.Ordinal)))
        {
            return text;
        }
        var quoted = new StringBuilder("\"");
        foreach (char c in text)
        {
            switch (c)
            {
                case '"': quoted.Append("\\\""); break;
                case '\\': quoted.Append("\\\\"); break;
                case '\n': quoted.Append("\\n"); break;
                case '\r': quoted.Append("\\r"); break;
                case '\t': quoted.Append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x7f)
                    {
                        quoted.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
                    }
                    else
                    {
                        quoted.Append(c);
                    }
                    break;
            }
        }
        return quoted.Append('"').ToString();
    }

    public void Dispose() => _file?.Dispose();

    /// <summary>The JSON format's writer options: the encoder's tables are built only for --log-format json.</summary>
    private static class JsonFormat
    {
        public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    }
}
