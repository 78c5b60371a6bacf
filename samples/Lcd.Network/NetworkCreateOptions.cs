namespace Lcd.Network;

/// <summary><c>docker network create</c>: a name, and a subnet and gateway or the next free subnet of the pool.</summary>
public sealed record NetworkCreateOptions
{
    public required string Name { get; init; }

    /// <summary>IPv4 CIDR; the next free subnet of <see cref="NetworkDriverOptions.SubnetPool"/> when null.</summary>
    public string? Subnet { get; init; }

    /// <summary>The bridge's address; the subnet's first host when null.</summary>
    public string? Gateway { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}
