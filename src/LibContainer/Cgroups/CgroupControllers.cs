using LibContainer.Cgroups.V1;
using LibContainer.Cgroups.V2;

namespace LibContainer.Cgroups;

/// <summary>The controllers of this host, each through the version that serves it, in the order they are applied.</summary>
internal static class CgroupControllers
{
    public static IReadOnlyList<ICgroupController> For(CgroupLayout layout)
    {
        var controllers = new List<ICgroupController>();
        void Add(string name, Func<ICgroupController>? v1, Func<ICgroupController>? v2)
        {
            switch (layout.VersionOf(name))
            {
                case CgroupVersion.V1 when v1 is not null:
                    controllers.Add(v1());
                    break;
                case CgroupVersion.V2 when v2 is not null:
                    controllers.Add(v2());
                    break;
            }
        }

        Add("cpuset", () => new CpusetV1(), () => new CpusetV2());
        Add("cpu", () => new CpuV1(), () => new CpuV2());
        Add("cpuacct", () => new CpuacctV1(), null);
        Add("memory", () => new MemoryV1(), () => new MemoryV2());
        Add("pids", () => new PidsV1(), () => new PidsV2());
        Add("blkio", () => new BlkioV1(), null);
        Add("io", null, () => new IoV2());
        Add("hugetlb", () => new HugetlbV1(), () => new HugetlbV2());
        Add("net_cls", () => new NetClsV1(), null);
        Add("net_prio", () => new NetPrioV1(), null);
        Add("devices", () => new DevicesV1(), null);
        if (layout.Unified is not null && (layout.IsUnifiedOnly || layout.VersionOf("devices") is null))
        {
            controllers.Add(new DevicesV2()); // a BPF program on the cgroup2 directory
        }
        if (layout.Unified is not null)
        {
            controllers.Add(new UnifiedV2()); // linux.resources.unified: files of the cgroup2 directory
        }
        return controllers;
    }
}
