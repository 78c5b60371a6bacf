using System.Text.Json.Serialization;

namespace LibContainer.Spec;

// The seccomp records live in this file: they only ever appear under linux.seccomp.

/// <summary>"Seccomp provides application sandboxing mechanism in the Linux kernel."</summary>
public sealed record LinuxSeccomp
{
    /// <summary>"REQUIRED. The default action for seccomp", for example <c>SCMP_ACT_ERRNO</c>.</summary>
    [JsonPropertyName("defaultAction")]
    public required string DefaultAction { get; set; }

    /// <summary>"The errno return code to use" for the default action <c>SCMP_ACT_ERRNO</c> or <c>SCMP_ACT_TRACE</c>.</summary>
    [JsonPropertyName("defaultErrnoRet")]
    public uint? DefaultErrnoRet { get; set; }

    /// <summary>"The architecture used for system calls", for example <c>SCMP_ARCH_X86_64</c>.</summary>
    [JsonPropertyName("architectures")]
    public List<string>? Architectures { get; set; }

    /// <summary>"List of flags to use with seccomp(2)", for example <c>SECCOMP_FILTER_FLAG_LOG</c>.</summary>
    [JsonPropertyName("flags")]
    public List<string>? Flags { get; set; }

    /// <summary>"Specifies the path of UNIX domain socket over which the runtime will send the container process state data structure when the SCMP_ACT_NOTIFY action is used."</summary>
    [JsonPropertyName("listenerPath")]
    public string? ListenerPath { get; set; }

    /// <summary>"Specifies an opaque data to pass to the seccomp agent."</summary>
    [JsonPropertyName("listenerMetadata")]
    public string? ListenerMetadata { get; set; }

    /// <summary>"Match a syscall in seccomp."</summary>
    [JsonPropertyName("syscalls")]
    public List<LinuxSyscall>? Syscalls { get; set; }
}

/// <summary>A seccomp rule matching one or more system calls.</summary>
public sealed record LinuxSyscall
{
    /// <summary>"REQUIRED. The names of the syscalls." At least one entry.</summary>
    [JsonPropertyName("names")]
    public required List<string> Names { get; set; }

    /// <summary>"REQUIRED. The action for seccomp rules."</summary>
    [JsonPropertyName("action")]
    public required string Action { get; set; }

    /// <summary>"The errno return code to use" with <c>SCMP_ACT_ERRNO</c> or <c>SCMP_ACT_TRACE</c>.</summary>
    [JsonPropertyName("errnoRet")]
    public uint? ErrnoRet { get; set; }

    /// <summary>"Specific syscall arguments in seccomp."</summary>
    [JsonPropertyName("args")]
    public List<LinuxSeccompArg>? Args { get; set; }
}

/// <summary>A condition on one system call argument.</summary>
public sealed record LinuxSeccompArg
{
    /// <summary>"REQUIRED. The index for syscall arguments in seccomp."</summary>
    [JsonPropertyName("index")]
    public required uint Index { get; set; }

    /// <summary>"REQUIRED. The value for syscall arguments in seccomp."</summary>
    [JsonPropertyName("value")]
    public required ulong Value { get; set; }

    /// <summary>"The value for syscall arguments in seccomp", the second operand of <c>SCMP_CMP_MASKED_EQ</c>.</summary>
    [JsonPropertyName("valueTwo")]
    public ulong? ValueTwo { get; set; }

    /// <summary>"REQUIRED. The operator for syscall arguments in seccomp", for example <c>SCMP_CMP_EQ</c>.</summary>
    [JsonPropertyName("op")]
    public required string Op { get; set; }
}
