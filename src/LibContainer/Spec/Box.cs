using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>The console size of <see cref="Process.ConsoleSize"/>, in characters.</summary>
public sealed record Box
{
    /// <summary>"REQUIRED." The number of rows.</summary>
    [JsonPropertyName("height")]
    public required ulong Height { get; set; }

    /// <summary>"REQUIRED." The number of columns.</summary>
    [JsonPropertyName("width")]
    public required ulong Width { get; set; }
}
