using System.Text.Json;

namespace LibContainer.Spec;

// The records under "linux", including the cgroup resources and seccomp.
internal static partial class SpecWriter
{
    private static void Write(Utf8JsonWriter w, Linux linux)
    {
        w.WriteStartObject();
        List(w, "namespaces", linux.Namespaces, Write);
        List(w, "uidMappings", linux.UidMappings, Write);
        List(w, "gidMappings", linux.GidMappings, Write);
        Map(w, "timeOffsets", linux.TimeOffsets, Write);
        List(w, "devices", linux.Devices, Write);
        String(w, "cgroupsPath", linux.CgroupsPath);
        Object(w, "resources", linux.Resources, Write);
        String(w, "rootfsPropagation", linux.RootfsPropagation);
        Object(w, "seccomp", linux.Seccomp, Write);
        Map(w, "sysctl", linux.Sysctl, StringItem);
        List(w, "maskedPaths", linux.MaskedPaths, StringItem);
        List(w, "readonlyPaths", linux.ReadonlyPaths, StringItem);
        String(w, "mountLabel", linux.MountLabel);
        Object(w, "intelRdt", linux.IntelRdt, Write);
        Object(w, "personality", linux.Personality, Write);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxNamespace ns)
    {
        w.WriteStartObject();
        String(w, "type", ns.Type);
        String(w, "path", ns.Path);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxIdMapping mapping)
    {
        w.WriteStartObject();
        w.WriteNumber("containerID", mapping.ContainerId);
        w.WriteNumber("hostID", mapping.HostId);
        w.WriteNumber("size", mapping.Size);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxTimeOffset offset)
    {
        w.WriteStartObject();
        Number(w, "secs", offset.Secs);
        Number(w, "nanosecs", offset.Nanosecs);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxDevice device)
    {
        w.WriteStartObject();
        String(w, "type", device.Type);
        String(w, "path", device.Path);
        Number(w, "major", device.Major);
        Number(w, "minor", device.Minor);
        Number(w, "fileMode", device.FileMode);
        Number(w, "uid", device.Uid);
        Number(w, "gid", device.Gid);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxIntelRdt rdt)
    {
        w.WriteStartObject();
        String(w, "closID", rdt.ClosId);
        String(w, "l3CacheSchema", rdt.L3CacheSchema);
        String(w, "memBwSchema", rdt.MemBwSchema);
        Flag(w, "enableCMT", rdt.EnableCmt);
        Flag(w, "enableMBM", rdt.EnableMbm);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxPersonality personality)
    {
        w.WriteStartObject();
        String(w, "domain", personality.Domain);
        List(w, "flags", personality.Flags, StringItem);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxResources resources)
    {
        w.WriteStartObject();
        List(w, "devices", resources.Devices, Write);
        Object(w, "memory", resources.Memory, Write);
        Object(w, "cpu", resources.Cpu, Write);
        Object(w, "pids", resources.Pids, Write);
        Object(w, "blockIO", resources.BlockIO, Write);
        List(w, "hugepageLimits", resources.HugepageLimits, Write);
        Object(w, "network", resources.Network, Write);
        Map(w, "rdma", resources.Rdma, Write);
        Map(w, "unified", resources.Unified, StringItem);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxDeviceCgroup rule)
    {
        w.WriteStartObject();
        w.WriteBoolean("allow", rule.Allow);
        String(w, "type", rule.Type);
        Number(w, "major", rule.Major);
        Number(w, "minor", rule.Minor);
        String(w, "access", rule.Access);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxMemory memory)
    {
        w.WriteStartObject();
        Number(w, "limit", memory.Limit);
        Number(w, "reservation", memory.Reservation);
        Number(w, "swap", memory.Swap);
        Number(w, "kernel", memory.Kernel);
        Number(w, "kernelTCP", memory.KernelTcp);
        Number(w, "swappiness", memory.Swappiness);
        Bool(w, "disableOOMKiller", memory.DisableOomKiller);
        Bool(w, "useHierarchy", memory.UseHierarchy);
        Bool(w, "checkBeforeUpdate", memory.CheckBeforeUpdate);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxCpu cpu)
    {
        w.WriteStartObject();
        Number(w, "shares", cpu.Shares);
        Number(w, "quota", cpu.Quota);
        Number(w, "burst", cpu.Burst);
        Number(w, "period", cpu.Period);
        Number(w, "realtimeRuntime", cpu.RealtimeRuntime);
        Number(w, "realtimePeriod", cpu.RealtimePeriod);
        String(w, "cpus", cpu.Cpus);
        String(w, "mems", cpu.Mems);
        Number(w, "idle", cpu.Idle);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxPids pids)
    {
        w.WriteStartObject();
        w.WriteNumber("limit", pids.Limit);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxBlockIO blockIO)
    {
        w.WriteStartObject();
        Number(w, "weight", blockIO.Weight);
        Number(w, "leafWeight", blockIO.LeafWeight);
        List(w, "weightDevice", blockIO.WeightDevice, Write);
        List(w, "throttleReadBpsDevice", blockIO.ThrottleReadBpsDevice, Write);
        List(w, "throttleWriteBpsDevice", blockIO.ThrottleWriteBpsDevice, Write);
        List(w, "throttleReadIOPSDevice", blockIO.ThrottleReadIOPSDevice, Write);
        List(w, "throttleWriteIOPSDevice", blockIO.ThrottleWriteIOPSDevice, Write);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxWeightDevice device)
    {
        w.WriteStartObject();
        w.WriteNumber("major", device.Major);
        w.WriteNumber("minor", device.Minor);
        Number(w, "weight", device.Weight);
        Number(w, "leafWeight", device.LeafWeight);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxThrottleDevice device)
    {
        w.WriteStartObject();
        w.WriteNumber("major", device.Major);
        w.WriteNumber("minor", device.Minor);
        w.WriteNumber("rate", device.Rate);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxHugepageLimit limit)
    {
        w.WriteStartObject();
        String(w, "pageSize", limit.PageSize);
        w.WriteNumber("limit", limit.Limit);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxNetwork network)
    {
        w.WriteStartObject();
        Number(w, "classID", network.ClassId);
        List(w, "priorities", network.Priorities, Write);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxInterfacePriority priority)
    {
        w.WriteStartObject();
        String(w, "name", priority.Name);
        w.WriteNumber("priority", priority.Priority);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxRdma rdma)
    {
        w.WriteStartObject();
        Number(w, "hcaHandles", rdma.HcaHandles);
        Number(w, "hcaObjects", rdma.HcaObjects);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxSeccomp seccomp)
    {
        w.WriteStartObject();
        String(w, "defaultAction", seccomp.DefaultAction);
        Number(w, "defaultErrnoRet", seccomp.DefaultErrnoRet);
        List(w, "architectures", seccomp.Architectures, StringItem);
        List(w, "flags", seccomp.Flags, StringItem);
        String(w, "listenerPath", seccomp.ListenerPath);
        String(w, "listenerMetadata", seccomp.ListenerMetadata);
        List(w, "syscalls", seccomp.Syscalls, Write);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxSyscall syscall)
    {
        w.WriteStartObject();
        List(w, "names", syscall.Names, StringItem);
        String(w, "action", syscall.Action);
        Number(w, "errnoRet", syscall.ErrnoRet);
        List(w, "args", syscall.Args, Write);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxSeccompArg arg)
    {
        w.WriteStartObject();
        w.WriteNumber("index", arg.Index);
        w.WriteNumber("value", arg.Value);
        Number(w, "valueTwo", arg.ValueTwo);
        String(w, "op", arg.Op);
        w.WriteEndObject();
    }
}
