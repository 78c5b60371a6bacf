namespace LibContainer;

/// <summary>No container has the id asked for.</summary>
public sealed class ContainerNotFoundException : ContainerException
{
    /// <summary>An exception for <paramref name="id"/>, not found under <paramref name="stateRoot"/>.</summary>
    public ContainerNotFoundException(string id, string stateRoot)
        : base($"Container '{id}' does not exist (no state under {stateRoot}).")
    {
        ContainerId = id;
    }

    /// <summary>The id asked for.</summary>
    public string ContainerId { get; }
}
