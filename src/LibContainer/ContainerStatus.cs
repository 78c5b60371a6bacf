namespace LibContainer;

/// <summary>The lifecycle states of the OCI runtime spec.</summary>
public enum ContainerStatus
{
    /// <summary>Create is under way: the init exists but has not finished setting up.</summary>
    Creating,

    /// <summary>Set up and waiting: the user's program has not run yet.</summary>
    Created,

    /// <summary>The user's program is running.</summary>
    Running,

    /// <summary>The processes are frozen.</summary>
    Paused,

    /// <summary>The init has exited.</summary>
    Stopped,
}
