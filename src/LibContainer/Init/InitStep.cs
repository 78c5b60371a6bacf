namespace LibContainer.Init;

/// <summary>
/// One step of an <see cref="InitPlan"/>: an operation, up to three integers and four strings
/// (raw bytes on the wire), the text a person reads, and the spec field it came from.
/// </summary>
internal sealed record InitStep(InitOp Op, string Text, string? Source = null)
{
    public long A { get; init; }

    public long B { get; init; }

    public long C { get; init; }

    /// <summary>The strings, in order; null is sent as empty.</summary>
    public IReadOnlyList<byte[]> Strings { get; init; } = [];

    /// <summary>The path the step acts on, for error messages.</summary>
    public string? Path { get; init; }
}
