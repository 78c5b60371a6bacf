using Lcd.Network.Networks;

namespace Lcd.Network;

/// <summary>What <c>docker run</c>'s network flags ask of the driver for one container.</summary>
public sealed record AttachOptions
{
    /// <summary>The name peers resolve; the container id when null.</summary>
    public string? Name { get; init; }

    /// <summary>The hostname; the first 12 characters of the container id when null (Docker's default).</summary>
    public string? Hostname { get; init; }

    /// <summary>
    /// Network names to join (the default network when empty), or one of the modes alone:
    /// <c>none</c>, <c>host</c>, <c>container:&lt;id&gt;</c>.
    /// </summary>
    public IReadOnlyList<string> Networks { get; init; } = [];

    /// <summary>More names peers on user-defined networks resolve to this container.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>Published ports (on the first network).</summary>
    public IReadOnlyList<PortMapping> Ports { get; init; } = [];
}
