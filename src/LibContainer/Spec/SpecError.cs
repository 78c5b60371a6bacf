namespace LibContainer.Spec;

/// <summary>One problem found in a spec: where it is and why it is wrong.</summary>
/// <param name="Path">
/// Where in the spec, in the form <c>process.args</c>, <c>mounts[3].destination</c> or
/// <c>linux.sysctl["net.ipv4.ip_forward"]</c>; for a file that cannot be read, the file's path.
/// </param>
/// <param name="Message">The reason, for example <c>must be absolute, got "tmp"</c>.</param>
public sealed record SpecError(string Path, string Message)
{
    /// <summary>Returns <c>"{Path}: {Message}"</c>.</summary>
    /// <returns>The error as one line.</returns>
    public override string ToString() => $"{Path}: {Message}";
}
