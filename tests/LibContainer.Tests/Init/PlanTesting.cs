using System.Text;
using LibContainer.Init;
using LibContainer.Spec;

namespace LibContainer.Tests.Init;

/// <summary>Specs, contexts and kernel constants for plan tests; the numbers are copied from the Linux uapi headers.</summary>
internal static class PlanTesting
{
    public const string RootPath = "/some/rootfs";
    public const string BundleDir = "/bundles/web";

    // include/uapi/linux/mount.h
    public const long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8;
    public const long MS_BIND = 4096, MS_REC = 16384;
    public const long MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20;
    public const long MS_RELATIME = 1 << 21, MS_STRICTATIME = 1 << 24;

    // include/uapi/linux/sched.h
    public const long CLONE_NEWNS = 0x00020000, CLONE_NEWCGROUP = 0x02000000, CLONE_NEWUTS = 0x04000000;
    public const long CLONE_NEWIPC = 0x08000000, CLONE_NEWUSER = 0x10000000, CLONE_NEWPID = 0x20000000;
    public const long CLONE_NEWNET = 0x40000000;

    // include/uapi/linux/stat.h
    public const long S_IFIFO = 0x1000, S_IFCHR = 0x2000, S_IFBLK = 0x6000;

    /// <summary><c>runc spec</c>'s example, with an absolute root and no terminal.</summary>
    public static RuntimeSpec DefaultSpec()
    {
        RuntimeSpec spec = RuntimeSpec.CreateDefault();
        spec.Root = new Root { Path = RootPath };
        spec.Process!.Terminal = false;
        return spec;
    }

    public static PlanContext Context() => new() { RootfsPath = RootPath, BundlePath = BundleDir };

    public static InitPlan Build(RuntimeSpec spec, PlanContext? context = null) => PlanBuilder.Build(spec, context ?? Context());

    /// <summary>The strings of a step decoded as UTF-8.</summary>
    public static string[] Texts(this InitStep step) => [.. step.Strings.Select(s => Encoding.UTF8.GetString(s))];

    /// <summary>The steps that came from one spec field, such as <c>mounts[1]</c>.</summary>
    public static List<InitStep> From(this InitPlan plan, string source) => [.. plan.Steps.Where(s => s.Source == source)];

    public static List<InitStep> Of(this InitPlan plan, InitOp op) => [.. plan.Steps.Where(s => s.Op == op)];

    public static int IndexOf(this InitPlan plan, Func<InitStep, bool> match)
    {
        for (int i = 0; i < plan.Steps.Count; i++)
        {
            if (match(plan.Steps[i]))
            {
                return i;
            }
        }
        throw new InvalidOperationException("no such step in the plan:\n" + plan);
    }

    public static int IndexOf(this InitPlan plan, InitOp op) => plan.IndexOf(s => s.Op == op);

    public static int LastIndexOf(this InitPlan plan, InitOp op)
    {
        for (int i = plan.Steps.Count - 1; i >= 0; i--)
        {
            if (plan.Steps[i].Op == op)
            {
                return i;
            }
        }
        throw new InvalidOperationException($"no {op} step in the plan:\n{plan}");
    }
}
