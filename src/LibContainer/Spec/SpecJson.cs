using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LibContainer.Spec;

/// <summary>
/// What <see cref="SpecReader"/> and <see cref="SpecWriter"/> share: the writer's options and the form of an error
/// (the property's path, then the file and line), so that every spec error reads the same.
/// </summary>
internal static class SpecJson
{
    /// <summary>config.json is read by people: keep '+', '&amp;', '&lt;', '&gt;' and non-ASCII text as they are.</summary>
    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>A path segment as the spec's paths write it: <c>.name</c>, <c>[3]</c>, or <c>["a.b"]</c> for a key with dots.</summary>
    internal static void AppendSegment(StringBuilder path, string? name, int index)
    {
        if (name is null)
        {
            path.Append(CultureInfo.InvariantCulture, $"[{index}]");
        }
        else if (name.AsSpan().IndexOfAny(".[]\"'") >= 0)
        {
            path.Append("[\"").Append(name).Append("\"]");
        }
        else
        {
            path.Append(path.Length == 0 ? "" : ".").Append(name);
        }
    }

    /// <summary>The 0-based line and byte column of a byte offset.</summary>
    internal static (long Line, long Column) Position(ReadOnlySpan<byte> utf8, long offset)
    {
        ReadOnlySpan<byte> before = utf8[..(int)offset];
        return (before.Count((byte)'\n'), offset - (before.LastIndexOf((byte)'\n') + 1));
    }

    /// <summary>" (file, line 3, column 7)", with 1-based numbers; empty when neither is known.</summary>
    internal static string Where(string? file, (long Line, long Column)? position)
    {
        var parts = new List<string>(2);
        if (file is not null)
        {
            parts.Add(file);
        }
        if (position is var (line, column))
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"line {line + 1}, column {column + 1}"));
        }
        return parts.Count == 0 ? "" : $" ({string.Join(", ", parts)})";
    }

    /// <summary>The reader's own complaint about a document that is not JSON, at the reader's position.</summary>
    internal static SpecValidationException Malformed(string path, JsonException ex, string? file)
    {
        // Utf8JsonReader appends " LineNumber: 3 | BytePositionInLine: 2."; Where says it in our words.
        string reason = ex.Message;
        int at = reason.LastIndexOf(" LineNumber: ", StringComparison.Ordinal);
        reason = (at >= 0 ? reason[..at] : reason).Trim().TrimEnd('.');
        (long, long)? position = ex.LineNumber is long line ? (line, ex.BytePositionInLine ?? 0) : null;
        return new SpecValidationException([new SpecError(path, $"malformed JSON: {reason}{Where(file, position)}")], ex);
    }
}
