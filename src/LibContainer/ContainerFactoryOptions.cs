namespace LibContainer;

/// <summary>Where a factory keeps state and finds its native init.</summary>
public sealed record ContainerFactoryOptions
{
    /// <summary>The default state root, as runc's is /run/runc.</summary>
    public const string DefaultStateRoot = "/run/libcontainer";

    /// <summary>The environment variable that overrides where the native init (lc-init) is.</summary>
    public const string InitPathVariable = "LIBCONTAINER_INIT";

    /// <summary>The directory holding one state directory per container.</summary>
    public string StateRoot { get; init; } = DefaultStateRoot;

    /// <summary>
    /// The native init binary. Null: <c>$LIBCONTAINER_INIT</c>, else <c>lc-init</c> next to the
    /// application, else runtimes/linux-x64/native/lc-init below it.
    /// </summary>
    public string? InitPath { get; init; }
}
