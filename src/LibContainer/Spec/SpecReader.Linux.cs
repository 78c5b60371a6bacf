namespace LibContainer.Spec;

// The records under "linux", including the cgroup resources and seccomp.
internal ref partial struct SpecReader
{
    private static Linux? ReadLinux(ref SpecReader reader) =>
        reader.Object(new Linux(), [], static (ref SpecReader r, Linux x, string name) =>
        {
            switch (name)
            {
                case "namespaces": x.Namespaces = r.List(ReadNamespace); break;
                case "uidMappings": x.UidMappings = r.List(ReadIdMapping); break;
                case "gidMappings": x.GidMappings = r.List(ReadIdMapping); break;
                case "timeOffsets": x.TimeOffsets = r.Map(ReadTimeOffset); break;
                case "devices": x.Devices = r.List(ReadDevice); break;
                case "cgroupsPath": x.CgroupsPath = r.String(); break;
                case "resources": x.Resources = ReadResources(ref r); break;
                case "rootfsPropagation": x.RootfsPropagation = r.String(); break;
                case "seccomp": x.Seccomp = ReadSeccomp(ref r); break;
                case "sysctl": x.Sysctl = r.Map(StringItem); break;
                case "maskedPaths": x.MaskedPaths = r.List(StringItem); break;
                case "readonlyPaths": x.ReadonlyPaths = r.List(StringItem); break;
                case "mountLabel": x.MountLabel = r.String(); break;
                case "intelRdt": x.IntelRdt = ReadIntelRdt(ref r); break;
                case "personality": x.Personality = ReadPersonality(ref r); break;
                default: return false;
            }
            return true;
        });

    internal static LinuxNamespace? ReadNamespace(ref SpecReader reader) =>
        reader.Object(new LinuxNamespace { Type = null! }, ["type"], static (ref SpecReader r, LinuxNamespace x, string name) =>
        {
            switch (name)
            {
                case "type": x.Type = r.NotNull(r.String()); break;
                case "path": x.Path = r.String(); break;
                default: return false;
            }
            return true;
        });

    private static LinuxIdMapping? ReadIdMapping(ref SpecReader reader) =>
        reader.Object(new LinuxIdMapping { ContainerId = 0, HostId = 0, Size = 0 }, ["containerID", "hostID", "size"],
            static (ref SpecReader r, LinuxIdMapping x, string name) =>
            {
                switch (name)
                {
                    case "containerID": x.ContainerId = r.NotNull(r.UInt32()); break;
                    case "hostID": x.HostId = r.NotNull(r.UInt32()); break;
                    case "size": x.Size = r.NotNull(r.UInt32()); break;
                    default: return false;
                }
                return true;
            });

    private static LinuxTimeOffset? ReadTimeOffset(ref SpecReader reader) =>
        reader.Object(new LinuxTimeOffset(), [], static (ref SpecReader r, LinuxTimeOffset x, string name) =>
        {
            switch (name)
            {
                case "secs": x.Secs = r.Int64(); break;
                case "nanosecs": x.Nanosecs = r.UInt32(); break;
                default: return false;
            }
            return true;
        });

    private static LinuxDevice? ReadDevice(ref SpecReader reader) =>
        reader.Object(new LinuxDevice { Type = null!, Path = null! }, ["type", "path"], static (ref SpecReader r, LinuxDevice x, string name) =>
        {
            switch (name)
            {
                case "type": x.Type = r.NotNull(r.String()); break;
                case "path": x.Path = r.NotNull(r.String()); break;
                case "major": x.Major = r.Int64(); break;
                case "minor": x.Minor = r.Int64(); break;
                case "fileMode": x.FileMode = r.UInt32(); break;
                case "uid": x.Uid = r.UInt32(); break;
                case "gid": x.Gid = r.UInt32(); break;
                default: return false;
            }
            return true;
        });

    private static LinuxIntelRdt? ReadIntelRdt(ref SpecReader reader) =>
        reader.Object(new LinuxIntelRdt(), [], static (ref SpecReader r, LinuxIntelRdt x, string name) =>
        {
            switch (name)
            {
                case "closID": x.ClosId = r.String(); break;
                case "l3CacheSchema": x.L3CacheSchema = r.String(); break;
                case "memBwSchema": x.MemBwSchema = r.String(); break;
                case "enableCMT": x.EnableCmt = r.NotNull(r.Bool()); break;
                case "enableMBM": x.EnableMbm = r.NotNull(r.Bool()); break;
                default: return false;
            }
            return true;
        });

    private static LinuxPersonality? ReadPersonality(ref SpecReader reader) =>
        reader.Object(new LinuxPersonality { Domain = null! }, ["domain"], static (ref SpecReader r, LinuxPersonality x, string name) =>
        {
            switch (name)
            {
                case "domain": x.Domain = r.NotNull(r.String()); break;
                case "flags": x.Flags = r.List(StringItem); break;
                default: return false;
            }
            return true;
        });

    internal static LinuxResources? ReadResources(ref SpecReader reader) =>
        reader.Object(new LinuxResources(), [], static (ref SpecReader r, LinuxResources x, string name) =>
        {
            switch (name)
            {
                case "devices": x.Devices = r.List(ReadDeviceCgroup); break;
                case "memory": x.Memory = ReadMemory(ref r); break;
                case "cpu": x.Cpu = ReadCpu(ref r); break;
                case "pids": x.Pids = ReadPids(ref r); break;
                case "blockIO": x.BlockIO = ReadBlockIO(ref r); break;
                case "hugepageLimits": x.HugepageLimits = r.List(ReadHugepageLimit); break;
                case "network": x.Network = ReadNetwork(ref r); break;
                case "rdma": x.Rdma = r.Map(ReadRdma); break;
                case "unified": x.Unified = r.Map(StringItem); break;
                default: return false;
            }
            return true;
        });

    private static LinuxDeviceCgroup? ReadDeviceCgroup(ref SpecReader reader) =>
        reader.Object(new LinuxDeviceCgroup { Allow = false }, ["allow"], static (ref SpecReader r, LinuxDeviceCgroup x, string name) =>
        {
            switch (name)
            {
                case "allow": x.Allow = r.NotNull(r.Bool()); break;
                case "type": x.Type = r.String(); break;
                case "major": x.Major = r.Int64(); break;
                case "minor": x.Minor = r.Int64(); break;
                case "access": x.Access = r.String(); break;
                default: return false;
            }
            return true;
        });

    private static LinuxMemory? ReadMemory(ref SpecReader reader) =>
        reader.Object(new LinuxMemory(), [], static (ref SpecReader r, LinuxMemory x, string name) =>
        {
            switch (name)
            {
                case "limit": x.Limit = r.Int64(); break;
                case "reservation": x.Reservation = r.Int64(); break;
                case "swap": x.Swap = r.Int64(); break;
                case "kernel": x.Kernel = r.Int64(); break;
                case "kernelTCP": x.KernelTcp = r.Int64(); break;
                case "swappiness": x.Swappiness = r.UInt64(); break;
                case "disableOOMKiller": x.DisableOomKiller = r.Bool(); break;
                case "useHierarchy": x.UseHierarchy = r.Bool(); break;
                case "checkBeforeUpdate": x.CheckBeforeUpdate = r.Bool(); break;
                default: return false;
            }
            return true;
        });

    private static LinuxCpu? ReadCpu(ref SpecReader reader) =>
        reader.Object(new LinuxCpu(), [], static (ref SpecReader r, LinuxCpu x, string name) =>
        {
            switch (name)
            {
                case "shares": x.Shares = r.UInt64(); break;
                case "quota": x.Quota = r.Int64(); break;
                case "burst": x.Burst = r.UInt64(); break;
                case "period": x.Period = r.UInt64(); break;
                case "realtimeRuntime": x.RealtimeRuntime = r.Int64(); break;
                case "realtimePeriod": x.RealtimePeriod = r.UInt64(); break;
                case "cpus": x.Cpus = r.String(); break;
                case "mems": x.Mems = r.String(); break;
                case "idle": x.Idle = r.Int64(); break;
                default: return false;
            }
            return true;
        });

    private static LinuxPids? ReadPids(ref SpecReader reader) =>
        reader.Object(new LinuxPids { Limit = 0 }, ["limit"], static (ref SpecReader r, LinuxPids x, string name) =>
        {
            switch (name)
            {
                case "limit": x.Limit = r.NotNull(r.Int64()); break;
                default: return false;
            }
            return true;
        });

    private static LinuxBlockIO? ReadBlockIO(ref SpecReader reader) =>
        reader.Object(new LinuxBlockIO(), [], static (ref SpecReader r, LinuxBlockIO x, string name) =>
        {
            switch (name)
            {
                case "weight": x.Weight = r.UInt16(); break;
                case "leafWeight": x.LeafWeight = r.UInt16(); break;
                case "weightDevice": x.WeightDevice = r.List(ReadWeightDevice); break;
                case "throttleReadBpsDevice": x.ThrottleReadBpsDevice = r.List(ReadThrottleDevice); break;
                case "throttleWriteBpsDevice": x.ThrottleWriteBpsDevice = r.List(ReadThrottleDevice); break;
                case "throttleReadIOPSDevice": x.ThrottleReadIOPSDevice = r.List(ReadThrottleDevice); break;
                case "throttleWriteIOPSDevice": x.ThrottleWriteIOPSDevice = r.List(ReadThrottleDevice); break;
                default: return false;
            }
            return true;
        });

    private static LinuxWeightDevice? ReadWeightDevice(ref SpecReader reader) =>
        reader.Object(new LinuxWeightDevice { Major = 0, Minor = 0 }, ["major", "minor"], static (ref SpecReader r, LinuxWeightDevice x, string name) =>
        {
            switch (name)
            {
                case "major": x.Major = r.NotNull(r.Int64()); break;
                case "minor": x.Minor = r.NotNull(r.Int64()); break;
                case "weight": x.Weight = r.UInt16(); break;
                case "leafWeight": x.LeafWeight = r.UInt16(); break;
                default: return false;
            }
            return true;
        });

    private static LinuxThrottleDevice? ReadThrottleDevice(ref SpecReader reader) =>
        reader.Object(new LinuxThrottleDevice { Major = 0, Minor = 0, Rate = 0 }, ["major", "minor", "rate"],
            static (ref SpecReader r, LinuxThrottleDevice x, string name) =>
            {
                switch (name)
                {
                    case "major": x.Major = r.NotNull(r.Int64()); break;
                    case "minor": x.Minor = r.NotNull(r.Int64()); break;
                    case "rate": x.Rate = r.NotNull(r.UInt64()); break;
                    default: return false;
                }
                return true;
            });

    private static LinuxHugepageLimit? ReadHugepageLimit(ref SpecReader reader) =>
        reader.Object(new LinuxHugepageLimit { PageSize = null!, Limit = 0 }, ["pageSize", "limit"], static (ref SpecReader r, LinuxHugepageLimit x, string name) =>
        {
            switch (name)
            {
                case "pageSize": x.PageSize = r.NotNull(r.String()); break;
                case "limit": x.Limit = r.NotNull(r.UInt64()); break;
                default: return false;
            }
            return true;
        });

    private static LinuxNetwork? ReadNetwork(ref SpecReader reader) =>
        reader.Object(new LinuxNetwork(), [], static (ref SpecReader r, LinuxNetwork x, string name) =>
        {
            switch (name)
            {
                case "classID": x.ClassId = r.UInt32(); break;
                case "priorities": x.Priorities = r.List(ReadInterfacePriority); break;
                default: return false;
            }
            return true;
        });

    private static LinuxInterfacePriority? ReadInterfacePriority(ref SpecReader reader) =>
        reader.Object(new LinuxInterfacePriority { Name = null!, Priority = 0 }, ["name", "priority"], static (ref SpecReader r, LinuxInterfacePriority x, string name) =>
        {
            switch (name)
            {
                case "name": x.Name = r.NotNull(r.String()); break;
                case "priority": x.Priority = r.NotNull(r.UInt32()); break;
                default: return false;
            }
            return true;
        });

    private static LinuxRdma? ReadRdma(ref SpecReader reader) =>
        reader.Object(new LinuxRdma(), [], static (ref SpecReader r, LinuxRdma x, string name) =>
        {
            switch (name)
            {
                case "hcaHandles": x.HcaHandles = r.UInt32(); break;
                case "hcaObjects": x.HcaObjects = r.UInt32(); break;
                default: return false;
            }
            return true;
        });

    private static LinuxSeccomp? ReadSeccomp(ref SpecReader reader) =>
        reader.Object(new LinuxSeccomp { DefaultAction = null! }, ["defaultAction"], static (ref SpecReader r, LinuxSeccomp x, string name) =>
        {
            switch (name)
            {
                case "defaultAction": x.DefaultAction = r.NotNull(r.String()); break;
                case "defaultErrnoRet": x.DefaultErrnoRet = r.UInt32(); break;
                case "architectures": x.Architectures = r.List(StringItem); break;
                case "flags": x.Flags = r.List(StringItem); break;
                case "listenerPath": x.ListenerPath = r.String(); break;
                case "listenerMetadata": x.ListenerMetadata = r.String(); break;
                case "syscalls": x.Syscalls = r.List(ReadSyscall); break;
                default: return false;
            }
            return true;
        });

    private static LinuxSyscall? ReadSyscall(ref SpecReader reader) =>
        reader.Object(new LinuxSyscall { Names = null!, Action = null! }, ["names", "action"], static (ref SpecReader r, LinuxSyscall x, string name) =>
        {
            switch (name)
            {
                case "names": x.Names = r.NotNull(r.List(StringItem)); break;
                case "action": x.Action = r.NotNull(r.String()); break;
                case "errnoRet": x.ErrnoRet = r.UInt32(); break;
                case "args": x.Args = r.List(ReadSeccompArg); break;
                default: return false;
            }
            return true;
        });

    private static LinuxSeccompArg? ReadSeccompArg(ref SpecReader reader) =>
        reader.Object(new LinuxSeccompArg { Index = 0, Value = 0, Op = null! }, ["index", "value", "op"], static (ref SpecReader r, LinuxSeccompArg x, string name) =>
        {
            switch (name)
            {
                case "index": x.Index = r.NotNull(r.UInt32()); break;
                case "value": x.Value = r.NotNull(r.UInt64()); break;
                case "valueTwo": x.ValueTwo = r.UInt64(); break;
                case "op": x.Op = r.NotNull(r.String()); break;
                default: return false;
            }
            return true;
        });
}
