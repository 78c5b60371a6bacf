using LibContainer.Interop;

namespace LibContainer.Spec;

public sealed partial record RuntimeSpec
{
    /// <summary>Reads a bundle's <c>config.json</c>.</summary>
    /// <param name="path">The path of the configuration file, usually <c>&lt;bundle&gt;/config.json</c>.</param>
    /// <returns>The spec, not yet validated: see <see cref="SpecValidator"/>.</returns>
    /// <exception cref="SpecValidationException">
    /// The file does not exist or cannot be read, its JSON is malformed, or a REQUIRED property is missing;
    /// the message names the file, the property and the line.
    /// </exception>
    public static RuntimeSpec Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return SpecReader.Read(ReadFile(path), path, SpecReader.ReadSpec);
    }

    /// <summary>A spec file's UTF-8 (without a byte order mark), or the error that names the file.</summary>
    internal static byte[] ReadFile(string path)
    {
        byte[]? json;
        try
        {
            json = Sys.TryReadFile(path);
        }
        catch (SyscallException ex)
        {
            throw new SpecValidationException([new SpecError(path, $"cannot be read: {SyscallException.Describe(ex.Errno)}")], ex);
        }
        if (json is null)
        {
            throw new SpecValidationException([new SpecError(path, "file does not exist")], new FileNotFoundException(null, path));
        }
        return json.AsSpan().StartsWith("\uFEFF"u8) ? json[3..] : json;
    }

    /// <summary>Parses a <c>config.json</c> document. Unknown properties are ignored, as the spec says.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The spec, not yet validated: see <see cref="SpecValidator"/>.</returns>
    /// <exception cref="SpecValidationException">The JSON is malformed or a REQUIRED property is missing.</exception>
    public static RuntimeSpec Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return SpecReader.Read(json, file: null, SpecReader.ReadSpec);
    }

    /// <summary>Serializes this spec to indented JSON with the spec's property names; <see langword="null"/> properties are omitted.</summary>
    /// <returns>The JSON text, ending with a newline.</returns>
    public string ToJson() => SpecWriter.ToJson(this);

    /// <summary>
    /// Whether <paramref name="other"/> is the same configuration: equal JSON forms (<see cref="ToJson"/>).
    /// A record's own equality would compare the spec's lists by reference, so two
    /// <see cref="CreateDefault"/> specs would differ. The nested records keep record equality.
    /// </summary>
    /// <param name="other">The spec to compare with.</param>
    /// <returns>True when both write the same JSON.</returns>
    public bool Equals(RuntimeSpec? other) =>
        other is not null && (ReferenceEquals(this, other) || string.Equals(ToJson(), other.ToJson(), StringComparison.Ordinal));

    /// <summary>The hash of the JSON form, consistent with <see cref="Equals(RuntimeSpec)"/> (it changes when the spec does).</summary>
    /// <returns>A hash code.</returns>
    public override int GetHashCode() => ToJson().GetHashCode(StringComparison.Ordinal);
}
