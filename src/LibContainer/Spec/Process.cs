using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>"Specifies the container process."</summary>
/// <remarks>
/// Named as the spec names it, so it shares its name with <see cref="System.Diagnostics.Process"/>: in a
/// file that imports both namespaces, alias one (<c>using SpecProcess = LibContainer.Spec.Process;</c>).
/// </remarks>
public sealed record Process
{
    /// <summary>
    /// "Specifies whether a terminal is attached to the process, defaults to false."
    /// Omitted from the JSON when <see langword="false"/>.
    /// </summary>
    [JsonPropertyName("terminal")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Terminal { get; set; }

    /// <summary>
    /// "Specifies the console size in characters of the terminal. Runtimes MUST ignore consoleSize if
    /// terminal is false or unset."
    /// </summary>
    [JsonPropertyName("consoleSize")]
    public Box? ConsoleSize { get; set; }

    /// <summary>"The user for the process." REQUIRED on POSIX platforms.</summary>
    [JsonPropertyName("user")]
    public required User User { get; set; }

    /// <summary>
    /// "Specifies the binary and arguments for the application to execute." At least one entry is
    /// required on Linux; the first is the path of the executable.
    /// </summary>
    [JsonPropertyName("args")]
    public List<string>? Args { get; set; }

    /// <summary>"Environment variables for the process", each of the form <c>KEY=value</c>.</summary>
    [JsonPropertyName("env")]
    public List<string>? Env { get; set; }

    /// <summary>
    /// "REQUIRED. The working directory that will be set for the executable. This value MUST be an
    /// absolute path."
    /// </summary>
    [JsonPropertyName("cwd")]
    public required string Cwd { get; set; }

    /// <summary>"Specifies the sets of capabilities for the process."</summary>
    [JsonPropertyName("capabilities")]
    public LinuxCapabilities? Capabilities { get; set; }

    /// <summary>"Allows setting resource limits for the process."</summary>
    [JsonPropertyName("rlimits")]
    public List<PosixRlimit>? Rlimits { get; set; }

    /// <summary>
    /// "Setting noNewPrivileges to true prevents the process from gaining additional privileges."
    /// Omitted from the JSON when <see langword="false"/>.
    /// </summary>
    [JsonPropertyName("noNewPrivileges")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool NoNewPrivileges { get; set; }

    /// <summary>"Specifies the name of the AppArmor profile for the process."</summary>
    [JsonPropertyName("apparmorProfile")]
    public string? ApparmorProfile { get; set; }

    /// <summary>
    /// "Adjusts the oom-killer score in [pid]/oom_score_adj for the process's [pid] in a proc pseudo-filesystem."
    /// Between -1000 and 1000.
    /// </summary>
    [JsonPropertyName("oomScoreAdj")]
    public int? OomScoreAdj { get; set; }

    /// <summary>"Scheduling attributes for a process", applied with <c>sched_setattr(2)</c>.</summary>
    [JsonPropertyName("scheduler")]
    public Scheduler? Scheduler { get; set; }

    /// <summary>"Specifies the SELinux label for the process."</summary>
    [JsonPropertyName("selinuxLabel")]
    public string? SelinuxLabel { get; set; }

    /// <summary>"Configures the I/O priority settings for the container's processes."</summary>
    [JsonPropertyName("ioPriority")]
    public LinuxIOPriority? IOPriority { get; set; }

    /// <summary>"Specifies CPU affinity used to execute the process."</summary>
    [JsonPropertyName("execCPUAffinity")]
    public ExecCpuAffinity? ExecCpuAffinity { get; set; }
}
