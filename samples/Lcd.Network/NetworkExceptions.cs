namespace Lcd.Network;

/// <summary>A network, or a container's sandbox, that does not exist (HTTP 404 for the daemon).</summary>
public sealed class NetworkNotFoundException : Exception
{
    public NetworkNotFoundException(string message) : base(message) { }
}

/// <summary>A request that collides with what exists: a name taken, overlapping subnets, a network in use, a host port taken (HTTP 409).</summary>
public sealed class NetworkConflictException : Exception
{
    public NetworkConflictException(string message) : base(message) { }
}
