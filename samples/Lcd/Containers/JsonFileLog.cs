using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Lcd.Containers;

/// <summary>
/// Docker's json-file log: one JSON object per line, {"log": "...\n", "stream": "stdout", "time": RFC 3339
/// with nanoseconds}. Output is split at newlines (a line without one is written when its stream ends).
/// With max-size, a file that reaches it is rotated as dockerd rotates: ID-json.log becomes .log.1, .1
/// becomes .2, up to max-file files in all (with max-file 1 the file starts again empty).
/// </summary>
public sealed class JsonFileLog : IAsyncDisposable
{
    private readonly string _path;
    private readonly LogOptions _options;
    private FileStream _file;
    private readonly MemoryStream[] _partial = [new(), new(), new()];

    public JsonFileLog(string path, LogOptions options)
    {
        _path = path;
        _options = options;
        _file = Open(path);
    }

    private static FileStream Open(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 4096, useAsync: false);

    private async Task RotateAsync()
    {
        await _file.DisposeAsync().ConfigureAwait(false);
        for (int i = _options.MaxFile - 1; i >= 1; i--)
        {
            string from = i == 1 ? _path : $"{_path}.{i - 1}";
            if (File.Exists(from))
            {
                File.Move(from, $"{_path}.{i}", overwrite: true);
            }
        }
        if (_options.MaxFile == 1)
        {
            File.Delete(_path);
        }
        _file = Open(_path);
    }

    /// <summary>The log's files, oldest first: ID-json.log.N .. .1, then ID-json.log.</summary>
    public static IEnumerable<string> Files(string path)
    {
        string? dir = Path.GetDirectoryName(path);
        string name = Path.GetFileName(path) + ".";
        IEnumerable<(int N, string File)> rotated = dir is null || !Directory.Exists(dir) ? []
            : Directory.EnumerateFiles(dir, name + "*")
                .Where(f => Path.GetFileName(f).Length > name.Length)
                .Select(f => (N: int.TryParse(Path.GetFileName(f)[name.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 0, File: f))
                .Where(f => f.N > 0);
        return [.. rotated.OrderByDescending(f => f.N).Select(f => f.File), path];
    }

    public async Task WriteAsync(OutputChunk chunk, CancellationToken cancellationToken)
    {
        MemoryStream partial = _partial[chunk.Stream];
        ReadOnlyMemory<byte> data = chunk.Data;
        while (!data.IsEmpty)
        {
            int newline = data.Span.IndexOf((byte)'\n');
            if (newline < 0)
            {
                partial.Write(data.Span);
                break;
            }
            partial.Write(data.Span[..(newline + 1)]);
            await WriteEntryAsync(chunk.Stream, chunk.Time, partial, cancellationToken).ConfigureAwait(false);
            data = data[(newline + 1)..];
        }
    }

    /// <summary>Writes what is left of unterminated lines.</summary>
    public async Task FlushPartialAsync(CancellationToken cancellationToken)
    {
        for (byte stream = 1; stream <= 2; stream++)
        {
            if (_partial[stream].Length > 0)
            {
                await WriteEntryAsync(stream, DateTimeOffset.UtcNow, _partial[stream], cancellationToken).ConfigureAwait(false);
            }
        }
        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteEntryAsync(byte stream, DateTimeOffset time, MemoryStream line, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriterStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("log", Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length));
            json.WriteString("stream", stream == 2 ? "stderr" : "stdout");
            json.WriteString("time", FormatTime(time));
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        await _file.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
        line.SetLength(0);
        if (_options.MaxSize > 0 && _file.Length >= _options.MaxSize)
        {
            await RotateAsync().ConfigureAwait(false);
        }
    }

    /// <summary>RFC 3339 in UTC with nanoseconds, as Docker writes log times.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "00Z";

    /// <summary>The entries of a log, its rotated files first: stream (1 or 2), time, text.</summary>
    public static IEnumerable<(byte Stream, DateTimeOffset Time, string Log)> Read(string path) => Files(path).SelectMany(ReadFile);

    private static IEnumerable<(byte Stream, DateTimeOffset Time, string Log)> ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            yield break;
        }
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            using JsonDocument entry = JsonDocument.Parse(line);
            JsonElement root = entry.RootElement;
            byte stream = root.GetProperty("stream").GetString() == "stderr" ? (byte)2 : (byte)1;
            DateTimeOffset time = ParseTime(root.GetProperty("time").GetString()!);
            yield return (stream, time, root.GetProperty("log").GetString()!);
        }
    }

    /// <summary>RFC 3339 with up to nine fractional digits (.NET parses seven).</summary>
    public static DateTimeOffset ParseTime(string text)
    {
        int dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            int end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }
            if (end - dot - 1 > 7)
            {
                text = text[..(dot + 8)] + text[end..];
            }
        }
        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
    }

    public async ValueTask DisposeAsync()
    {
        await FlushPartialAsync(CancellationToken.None).ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A growable buffer that Utf8JsonWriter can write to.</summary>
    private sealed class ArrayBufferWriterStream : MemoryStream
    {
        public ReadOnlyMemory<byte> WrittenMemory => GetBuffer().AsMemory(0, (int)Length);
    }
}
