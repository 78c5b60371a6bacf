namespace Lcd.Graph;

/// <summary>What <c>docker run</c>'s flags override of an image's defaults.</summary>
public sealed record RunOptions
{
    /// <summary>--entrypoint: replaces the image's Entrypoint (and drops its Cmd, as Docker does).</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }
    /// <summary>The arguments after the image name: replace the image's Cmd.</summary>
    public IReadOnlyList<string>? Cmd { get; init; }
    /// <summary>-e NAME=value: added, or replacing the image's value of NAME.</summary>
    public IReadOnlyList<string>? Env { get; init; }
    /// <summary>-w: the working directory.</summary>
    public string? WorkingDir { get; init; }
    /// <summary>-u: user[:group], names or ids.</summary>
    public string? User { get; init; }
    /// <summary>-t: a terminal (adds TERM=xterm).</summary>
    public bool Tty { get; init; }
    /// <summary>-h: the hostname.</summary>
    public string? Hostname { get; init; }
}
