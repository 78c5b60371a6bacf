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
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SpecValidationException([new SpecError(path, "file does not exist")], ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SpecValidationException([new SpecError(path, $"cannot be read: {ex.Message}")], ex);
        }
        return SpecReader.Read(json, path, SpecReader.ReadSpec);
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
}
