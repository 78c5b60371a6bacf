using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LibContainer.Spec;

/// <summary>Reads one value at the reader's current token; <see langword="null"/> only for JSON null.</summary>
internal delegate T ReadValue<T>(ref SpecReader reader);

/// <summary>Reads the value of property <paramref name="name"/> into <paramref name="target"/>; false for an unknown name.</summary>
internal delegate bool ReadProperty<in T>(ref SpecReader reader, T target, string name);

/// <summary>
/// Reads the spec model with a <see cref="Utf8JsonReader"/>, by hand: System.Text.Json's serializer would first
/// build metadata for ~40 types (~5 ms and ~1 MB in a fresh native AOT process), more than reading costs.
/// Accepts what the serializer's defaults accept (no comments or trailing commas, numbers that fit, unknown
/// properties skipped, the last of duplicates wins) and reports errors at the failing token with the path it tracks.
/// </summary>
internal ref partial struct SpecReader
{
    private Utf8JsonReader _json;
    private readonly ReadOnlySpan<byte> _utf8;
    private readonly string? _file;

    // The property or index being read at each level; (null, -1) while an object is between properties.
    private readonly List<(string? Name, int Index)> _path = [];

    private SpecReader(ReadOnlySpan<byte> utf8, string? file)
    {
        _json = new Utf8JsonReader(utf8);
        _utf8 = utf8;
        _file = file;
    }

    /// <summary>Reads a whole document; JSON null at the root is an error. <c>file</c>, if any, is named in errors.</summary>
    internal static T Read<T>(ReadOnlySpan<byte> utf8, string? file, ReadValue<T?> read)
        where T : class
    {
        var reader = new SpecReader(utf8, file);
        T? value;
        try
        {
            reader._json.Read();
            value = read(ref reader);
            reader._json.Read(); // the end, or an error for anything after the value
        }
        catch (JsonException ex)
        {
            throw SpecJson.Malformed(reader.Path(), ex, file);
        }
        catch (SpecValidationException) when (FindSyntaxError(utf8) is { } ex)
        {
            // Not JSON at all is the first thing to fix, even after the value that did not fit.
            throw SpecJson.Malformed("(root)", ex, file);
        }
        return value ?? throw new SpecValidationException([new SpecError("(root)", $"must be a JSON object, got null{SpecJson.Where(file, null)}")]);
    }

    /// <inheritdoc cref="Read{T}(ReadOnlySpan{byte}, string?, ReadValue{T})"/>
    internal static T Read<T>(string json, string? file, ReadValue<T?> read)
        where T : class => Read(Encoding.UTF8.GetBytes(json), file, read);

    private static JsonException? FindSyntaxError(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        try
        {
            while (reader.Read())
            {
            }
            return null;
        }
        catch (JsonException ex)
        {
            return ex;
        }
    }

    /// <summary>
    /// Reads an object into <c>value</c> (made before the token is seen, so that <see langword="required"/> members can
    /// be given placeholders); unknown properties are skipped, each missing name of <c>required</c> is reported.
    /// </summary>
    internal T? Object<T>(T value, scoped ReadOnlySpan<string> required, ReadProperty<T> property)
        where T : class
    {
        if (!StartObject(out long start))
        {
            return null;
        }
        int seen = 0;
        while (NextProperty(out string name))
        {
            if (!property(ref this, value, name))
            {
                _json.Skip();
            }
            else if (required.IndexOf(name) is >= 0 and int i)
            {
                seen |= 1 << i;
            }
        }
        if (seen != (1 << required.Length) - 1)
        {
            string where = Where(start);
            var errors = new List<SpecError>();
            for (int i = 0; i < required.Length; i++)
            {
                if ((seen & (1 << i)) == 0)
                {
                    errors.Add(new SpecError(Path(required[i]), $"required property is missing{where}"));
                }
            }
            throw new SpecValidationException(errors);
        }
        return value;
    }

    /// <summary>A JSON object of string keys; <see langword="null"/> values are kept, as the serializer keeps them.</summary>
    internal Dictionary<string, T>? Map<T>(ReadValue<T?> read)
    {
        if (!StartObject(out _))
        {
            return null;
        }
        var map = new Dictionary<string, T>();
        while (NextProperty(out string key))
        {
            map[key] = read(ref this)!;
        }
        return map;
    }

    /// <summary>A JSON array; <see langword="null"/> elements are kept (the validator names them).</summary>
    internal List<T>? List<T>(ReadValue<T?> read)
    {
        if (IsNull)
        {
            return null;
        }
        if (_json.TokenType != JsonTokenType.StartArray)
        {
            throw Expected("an array");
        }
        var list = new List<T>();
        _path.Add((null, 0));
        for (int i = 0; ; i++)
        {
            _path[^1] = (null, i);
            _json.Read();
            if (_json.TokenType == JsonTokenType.EndArray)
            {
                break;
            }
            list.Add(read(ref this)!);
        }
        _path.RemoveAt(_path.Count - 1);
        return list;
    }

    internal string? String() => _json.TokenType switch
    {
        JsonTokenType.String => _json.GetString(),
        JsonTokenType.Null => null,
        _ => throw Expected("a string"),
    };

    internal bool? Bool() => _json.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        JsonTokenType.Null => null,
        _ => throw Expected("true or false"),
    };

    /// <summary>An ISO 8601 time as System.Text.Json writes a <see cref="DateTimeOffset"/> (state.json's <c>created</c>).</summary>
    internal DateTimeOffset? Time() => _json.TokenType switch
    {
        JsonTokenType.String when _json.TryGetDateTimeOffset(out DateTimeOffset time) => time,
        JsonTokenType.Null => null,
        _ => throw Expected("an ISO 8601 time"),
    };

    internal int? Int32() => Number(static (ref Utf8JsonReader r, out int v) => r.TryGetInt32(out v), "a 32-bit integer");

    internal long? Int64() => Number(static (ref Utf8JsonReader r, out long v) => r.TryGetInt64(out v), "a 64-bit integer");

    internal ushort? UInt16() => Number(static (ref Utf8JsonReader r, out ushort v) => r.TryGetUInt16(out v), "an unsigned 16-bit integer");

    internal uint? UInt32() => Number(static (ref Utf8JsonReader r, out uint v) => r.TryGetUInt32(out v), "an unsigned 32-bit integer");

    internal ulong? UInt64() => Number(static (ref Utf8JsonReader r, out ulong v) => r.TryGetUInt64(out v), "an unsigned 64-bit integer");

    /// <summary>A non-nullable property or element given JSON null.</summary>
    internal readonly T NotNull<T>(T? value)
        where T : class => value ?? throw Error("must not be null");

    /// <inheritdoc cref="NotNull{T}(T)"/>
    internal readonly T NotNull<T>(T? value)
        where T : struct => value ?? throw Error("must not be null");

    internal static string? StringItem(ref SpecReader reader) => reader.String();

    internal static uint UInt32Item(ref SpecReader reader) => reader.NotNull(reader.UInt32());

    private delegate bool TryGetNumber<T>(ref Utf8JsonReader reader, out T value);

    private T? Number<T>(TryGetNumber<T> tryGet, string expected)
        where T : struct
    {
        if (IsNull)
        {
            return null;
        }
        return _json.TokenType == JsonTokenType.Number && tryGet(ref _json, out T value) ? value : throw Expected(expected);
    }

    private readonly bool IsNull => _json.TokenType == JsonTokenType.Null;

    /// <summary>At an object's start (false at JSON null): a path level for its properties.</summary>
    private bool StartObject(out long start)
    {
        start = _json.TokenStartIndex;
        if (IsNull)
        {
            return false;
        }
        if (_json.TokenType != JsonTokenType.StartObject)
        {
            throw Expected("an object");
        }
        _path.Add((null, -1));
        return true;
    }

    /// <summary>Moves to the next property's value, or past the object's end (false) and out of its path level.</summary>
    private bool NextProperty(out string name)
    {
        _path[^1] = (null, -1);
        _json.Read();
        if (_json.TokenType == JsonTokenType.EndObject)
        {
            _path.RemoveAt(_path.Count - 1);
            name = "";
            return false;
        }
        name = _json.GetString()!;
        _path[^1] = (name, -1);
        _json.Read();
        return true;
    }

    private readonly SpecValidationException Expected(string what) => Error($"expected {what}, got {TokenText()}");

    private readonly SpecValidationException Error(string message) =>
        new([new SpecError(Path(), message + Where(_json.TokenStartIndex))]);

    private readonly string Where(long offset) => SpecJson.Where(_file, SpecJson.Position(_utf8, offset));

    private readonly string Path(string? property = null)
    {
        var path = new StringBuilder();
        foreach ((string? name, int index) in _path)
        {
            if (name is not null || index >= 0)
            {
                SpecJson.AppendSegment(path, name, index);
            }
        }
        if (property is not null)
        {
            SpecJson.AppendSegment(path, property, -1);
        }
        return path.Length == 0 ? "(root)" : path.ToString();
    }

    private readonly string TokenText()
    {
        string text = _json.TokenType switch
        {
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.String => $"\"{JsonEncodedText.Encode(_json.GetString()!, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\"",
            _ => Encoding.UTF8.GetString(_json.ValueSpan),
        };
        return text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 37), "...");
    }
}
