using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>"Intel Resource Director Technology" settings, applied through the resctrl pseudo-filesystem.</summary>
public sealed record LinuxIntelRdt
{
    /// <summary>"The identity for RDT Class of Service", the resctrl group name.</summary>
    [JsonPropertyName("closID")]
    public string? ClosId { get; set; }

    /// <summary>"The schema for L3 cache id and capacity bitmask (CBM)", for example <c>L3:0=ff;1=ff</c>.</summary>
    [JsonPropertyName("l3CacheSchema")]
    public string? L3CacheSchema { get; set; }

    /// <summary>"The schema of memory bandwidth per L3 cache id", for example <c>MB:0=20;1=70</c>.</summary>
    [JsonPropertyName("memBwSchema")]
    public string? MemBwSchema { get; set; }

    /// <summary>"The flag to indicate if the Intel RDT CMT is enabled." Omitted from the JSON when <see langword="false"/>.</summary>
    [JsonPropertyName("enableCMT")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool EnableCmt { get; set; }

    /// <summary>"The flag to indicate if the Intel RDT MBM is enabled." Omitted from the JSON when <see langword="false"/>.</summary>
    [JsonPropertyName("enableMBM")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool EnableMbm { get; set; }
}
