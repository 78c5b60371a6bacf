using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>"Configures callbacks for container lifecycle events", run in the listed order.</summary>
public sealed record Hooks
{
    /// <summary>
    /// DEPRECATED in favour of <see cref="CreateRuntime"/>, <see cref="CreateContainer"/> and
    /// <see cref="StartContainer"/>. "Called after the start operation is called but before the
    /// user-specified program command is executed", in the runtime namespace.
    /// </summary>
    [JsonPropertyName("prestart")]
    public List<Hook>? Prestart { get; set; }

    /// <summary>
    /// "Called during the create operation after the runtime environment has been created and before the
    /// pivot_root or any equivalent operation", in the runtime namespace.
    /// </summary>
    [JsonPropertyName("createRuntime")]
    public List<Hook>? CreateRuntime { get; set; }

    /// <summary>
    /// "Called during the create operation after the runtime environment has been created and before the
    /// pivot_root or any equivalent operation", in the container namespace.
    /// </summary>
    [JsonPropertyName("createContainer")]
    public List<Hook>? CreateContainer { get; set; }

    /// <summary>"Called before the user-specified program command is executed", in the container namespace.</summary>
    [JsonPropertyName("startContainer")]
    public List<Hook>? StartContainer { get; set; }

    /// <summary>"Called after the user-specified process is executed but before the start operation returns."</summary>
    [JsonPropertyName("poststart")]
    public List<Hook>? Poststart { get; set; }

    /// <summary>"Called after the container is deleted but before the delete operation returns."</summary>
    [JsonPropertyName("poststop")]
    public List<Hook>? Poststop { get; set; }
}
