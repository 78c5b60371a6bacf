namespace Lcd;

/// <summary>A flag or the configuration file is wrong: the daemon says which and exits with status 1.</summary>
public sealed class DaemonConfigException(string message) : Exception(message);
