namespace LibContainer;

/// <summary>
/// A container with the id asked for already exists under the factory's state root (runc: "container
/// with given ID already exists"). Destroy it, or choose another id.
/// </summary>
public sealed class ContainerAlreadyExistsException : ContainerException
{
    /// <summary>An exception for <paramref name="containerId"/>, taken under <paramref name="stateRoot"/>.</summary>
    public ContainerAlreadyExistsException(string containerId, string stateRoot)
        : base($"A container with id '{containerId}' already exists (state directory {Path.Combine(stateRoot, containerId)}).")
    {
        ContainerId = containerId;
        StateRoot = stateRoot;
    }

    /// <summary>The id asked for.</summary>
    public string ContainerId { get; }

    /// <summary>The state root the id is taken under.</summary>
    public string StateRoot { get; }
}
