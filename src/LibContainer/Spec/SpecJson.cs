using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace LibContainer.Spec;

/// <summary>
/// Reads and writes the spec JSON through <see cref="SpecJsonContext"/> and turns a <see cref="JsonException"/>
/// into a <see cref="SpecValidationException"/> that names the property, the file and the line.
/// </summary>
internal static partial class SpecJson
{
    // config.json is read by people: keep '+', '&', '<', '>' and non-ASCII text as they are.
    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    internal static string Serialize<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    internal static T Deserialize<T>(string json, JsonTypeInfo<T> typeInfo, string? file)
    {
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(json, typeInfo);
        }
        catch (JsonException ex)
        {
            throw ToException(ex, json, typeInfo, file);
        }
        if (value is null)
        {
            throw new SpecValidationException([new SpecError("(root)", $"must be a JSON object, got null{Where(file, null)}")]);
        }
        return value;
    }

    private static SpecValidationException ToException(JsonException ex, string json, JsonTypeInfo root, string? file)
    {
        string path = ToSpecPath(ex.Path);
        byte[] utf8 = Encoding.UTF8.GetBytes(json);
        List<object>? segments = ParseJsonPath(ex.Path);

        if (!IsWellFormed(utf8))
        {
            // The reader itself failed: its position is the right one.
            string reason = $"malformed JSON: {Reason(ex.Message).TrimEnd('.')}";
            return Single(path, reason + Where(file, ToPosition(ex)), ex);
        }

        // A value did not fit the model. System.Text.Json reports the containing type and, for string input,
        // the position where it stopped reading; find the offending token ourselves.
        Token? token = segments is null ? null : Locate(utf8, segments);
        string where = Where(file, token?.Position ?? ToPosition(ex));

        Match missing = MissingRequiredRegex().Match(ex.Message);
        if (missing.Success)
        {
            var errors = new List<SpecError>();
            foreach (Capture name in missing.Groups["name"].Captures)
            {
                string property = path == "(root)" ? name.Value : $"{path}.{name.Value}";
                errors.Add(new SpecError(property, $"required property is missing{where}"));
            }
            return new SpecValidationException(errors, ex);
        }

        if (token is { } t)
        {
            if (t.Type == JsonTokenType.Null)
            {
                return Single(path, $"must not be null{where}", ex);
            }
            Type? expected = segments is null ? null : ResolveType(root, segments);
            if (expected is not null)
            {
                return Single(path, $"expected {Describe(expected)}, got {t.Text}{where}", ex);
            }
        }
        return Single(path, Reason(ex.Message).TrimEnd('.') + where, ex);
    }

    private static SpecValidationException Single(string path, string message, JsonException ex) =>
        new([new SpecError(path, message)], ex);

    /// <summary>"$.mounts[3].destination" becomes "mounts[3].destination"; "$.linux.sysctl['a.b']" becomes "linux.sysctl[\"a.b\"]".</summary>
    internal static string ToSpecPath(string? jsonPath)
    {
        List<object>? segments = ParseJsonPath(jsonPath);
        if (segments is null)
        {
            return jsonPath ?? "(root)";
        }
        if (segments.Count == 0)
        {
            return "(root)";
        }
        var builder = new StringBuilder();
        foreach (object segment in segments)
        {
            if (segment is int index)
            {
                builder.Append(CultureInfo.InvariantCulture, $"[{index}]");
            }
            else if (((string)segment).AsSpan().IndexOfAny(".[]\"'") >= 0)
            {
                builder.Append("[\"").Append((string)segment).Append("\"]");
            }
            else
            {
                builder.Append(builder.Length == 0 ? "" : ".").Append((string)segment);
            }
        }
        return builder.ToString();
    }

    /// <summary>Splits System.Text.Json's path syntax (<c>$.a.b[2]['c.d']</c>) into property names and indexes.</summary>
    private static List<object>? ParseJsonPath(string? jsonPath)
    {
        if (string.IsNullOrEmpty(jsonPath) || jsonPath[0] != '$')
        {
            return null;
        }
        var segments = new List<object>();
        int i = 1;
        while (i < jsonPath.Length)
        {
            if (jsonPath[i] == '.')
            {
                int end = jsonPath.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? jsonPath.Length : end;
                segments.Add(jsonPath[(i + 1)..end]);
                i = end;
            }
            else if (jsonPath.AsSpan(i).StartsWith("['", StringComparison.Ordinal))
            {
                int end = jsonPath.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    return null;
                }
                segments.Add(jsonPath[(i + 2)..end]);
                i = end + 2;
            }
            else if (jsonPath[i] == '[')
            {
                int end = jsonPath.IndexOf(']', i + 1);
                if (end < 0 || !int.TryParse(jsonPath.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                {
                    return null;
                }
                segments.Add(index);
                i = end + 1;
            }
            else
            {
                return null;
            }
        }
        return segments;
    }

    private static bool IsWellFormed(byte[] utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            while (reader.Read())
            {
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private readonly record struct Token(JsonTokenType Type, string Text, (long Line, long Column) Position);

    /// <summary>Finds the token at a path in a well-formed document, with its 0-based line and byte column.</summary>
    private static Token? Locate(byte[] utf8, List<object> segments)
    {
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read())
        {
            return null;
        }
        foreach (object segment in segments)
        {
            if (segment is string name)
            {
                if (reader.TokenType != JsonTokenType.StartObject || !SeekProperty(ref reader, name))
                {
                    return null;
                }
            }
            else if (reader.TokenType != JsonTokenType.StartArray || !SeekElement(ref reader, (int)segment))
            {
                return null;
            }
        }

        long start = reader.TokenStartIndex;
        int lineStart = start == 0 ? 0 : Array.LastIndexOf(utf8, (byte)'\n', (int)start - 1) + 1;
        long line = utf8.AsSpan(0, (int)start).Count((byte)'\n');
        string text = reader.TokenType switch
        {
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.String => Truncate($"\"{JsonEncodedText.Encode(reader.GetString()!, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\""),
            _ => Truncate(Encoding.UTF8.GetString(reader.ValueSpan)),
        };
        return new Token(reader.TokenType, text, (line, start - lineStart));

        static string Truncate(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 37), "...");
    }

    private static bool SeekProperty(ref Utf8JsonReader reader, string name)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool match = reader.ValueTextEquals(name);
            reader.Read();
            if (match)
            {
                return true;
            }
            reader.Skip();
        }
        return false;
    }

    private static bool SeekElement(ref Utf8JsonReader reader, int index)
    {
        for (int i = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
        {
            if (i == index)
            {
                return true;
            }
            reader.Skip();
        }
        return false;
    }

    /// <summary>Follows a path through the source-generated metadata to the model type expected there.</summary>
    private static Type? ResolveType(JsonTypeInfo root, List<object> segments)
    {
        JsonTypeInfo? info = root;
        foreach (object segment in segments)
        {
            Type? next = info.Kind switch
            {
                JsonTypeInfoKind.Object when segment is string name => info.Properties.FirstOrDefault(p => p.Name == name)?.PropertyType,
                JsonTypeInfoKind.Dictionary when segment is string => info.ElementType,
                JsonTypeInfoKind.Enumerable when segment is int => info.ElementType,
                _ => null,
            };
            info = next is null ? null : SpecJsonContext.Default.GetTypeInfo(next);
            if (info is null)
            {
                return null;
            }
        }
        return info.Type;
    }

    private static string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return "a string";
        }
        if (type == typeof(bool))
        {
            return "true or false";
        }
        if (type == typeof(int))
        {
            return "a 32-bit integer";
        }
        if (type == typeof(long))
        {
            return "a 64-bit integer";
        }
        if (type == typeof(ushort))
        {
            return "an unsigned 16-bit integer";
        }
        if (type == typeof(uint))
        {
            return "an unsigned 32-bit integer";
        }
        if (type == typeof(ulong))
        {
            return "an unsigned 64-bit integer";
        }
        return SpecJsonContext.Default.GetTypeInfo(type)?.Kind == JsonTypeInfoKind.Enumerable ? "an array" : "an object";
    }

    private static (long Line, long Column)? ToPosition(JsonException ex) =>
        ex.LineNumber is long line ? (line, ex.BytePositionInLine ?? 0) : null;

    private static string Where(string? file, (long Line, long Column)? position)
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

    private static string Reason(string message)
    {
        // System.Text.Json appends " Path: $.x | LineNumber: 1 | BytePositionInLine: 2."; we report those ourselves.
        int at = message.LastIndexOf(" Path: $", StringComparison.Ordinal);
        if (at < 0)
        {
            at = message.LastIndexOf(" LineNumber: ", StringComparison.Ordinal);
        }
        return (at >= 0 ? message[..at] : message).Trim();
    }

    [GeneratedRegex(@"missing required properties including: (?:'(?<name>[^']+)'(?:, )?)+", RegexOptions.CultureInvariant)]
    private static partial Regex MissingRequiredRegex();
}
