namespace Lcd.Network.Cni;

/// <summary>
/// A plugin's own error: the CNI error object it printed (<c>code</c>, <c>msg</c>, <c>details</c>),
/// with the plugin, the command and the network it ran for.
/// </summary>
public sealed class CniPluginException : CniException
{
    internal CniPluginException(string plugin, string command, string network, CniError error)
        : base($"CNI plugin '{plugin}' {command} on network '{network}' failed (code {error.Code}): {error.Msg}{(string.IsNullOrEmpty(error.Details) ? "" : $" ({error.Details})")}")
    {
        Plugin = plugin;
        Command = command;
        Network = network;
        Code = error.Code;
        Msg = error.Msg;
        Details = error.Details;
    }

    public string Plugin { get; }

    public string Command { get; }

    public string Network { get; }

    /// <summary>The CNI error code: 1-99 are the spec's (1 incompatible version, 4 invalid config, 7 invalid environment, 11 try again later), 100+ the plugin's.</summary>
    public int Code { get; }

    public string Msg { get; }

    public string? Details { get; }
}
