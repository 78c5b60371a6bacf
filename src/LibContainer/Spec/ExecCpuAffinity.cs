using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>
/// "Specifies CPU affinity used to execute the process." Both values are CPU lists in the format of
/// <c>cpuset.cpus</c>, for example <c>0-3,7</c>.
/// </summary>
public sealed record ExecCpuAffinity
{
    /// <summary>"A list of CPUs a runtime parent process to be run on initially, before the transition to container's cgroup."</summary>
    [JsonPropertyName("initial")]
    public string? Initial { get; set; }

    /// <summary>"A list of CPUs the process will be run on after the transition to container's cgroup."</summary>
    [JsonPropertyName("final")]
    public string? Final { get; set; }
}
