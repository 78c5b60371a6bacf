using LibContainer;
using LibContainer.Spec;
using Lcrun.Cli;

namespace Lcrun.Commands;

/// <summary>update: new resource limits for a live container, from --resources (a LinuxResources JSON file or - for stdin) or from flags.</summary>
internal static class UpdateCommand
{
    public static Command Definition { get; } = new("update", "update container resource constraints", "<container-id>",
    [
        Flag.Value("resources", "path to the file containing the resources to update or '-' to read from the standard input", "r"),
        Flag.Value("blkio-weight", "Specifies per cgroup weight, range is from 10 to 1000 (default: 0)"),
        Flag.Value("cpu-period", "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default"),
        Flag.Value("cpu-quota", "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"),
        Flag.Value("cpu-share", "CPU shares (relative weight vs. other containers)"),
        Flag.Value("cpu-rt-period", "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default"),
        Flag.Value("cpu-rt-runtime", "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period"),
        Flag.Value("cpuset-cpus", "CPU(s) to use"),
        Flag.Value("cpuset-mems", "Memory node(s) to use"),
        Flag.Value("memory", "Memory limit (in bytes)"),
        Flag.Value("memory-reservation", "Memory reservation or soft_limit (in bytes)"),
        Flag.Value("memory-swap", "Total memory usage (memory + swap); set '-1' to enable unlimited swap"),
        Flag.Value("kernel-memory", "(obsolete; ignored by the kernel) Kernel memory limit (in bytes)"),
        Flag.Value("kernel-memory-tcp", "(obsolete; ignored by the kernel) Kernel memory limit for tcp buffer (in bytes)"),
        Flag.Value("pids-limit", "Maximum number of pids allowed in the container (default: 0)"),
        Flag.Value("l3-cache-schema", "The string of Intel RDT/CAT L3 cache schema (not supported)"),
        Flag.Value("mem-bw-schema", "The string of Intel RDT/MBA memory bandwidth schema (not supported)"),
    ], UpdateAsync)
    {
        ExactArgs = 1,
    };

    private static async Task<int> UpdateAsync(CommandContext ctx, ParsedArgs args)
    {
        if (args.Get("l3-cache-schema") is { Length: > 0 } || args.Get("mem-bw-schema") is { Length: > 0 })
        {
            throw new CliException("Intel RDT is not supported");
        }
        LinuxResources resources = args.Get("resources") is { Length: > 0 } source ? Read(source) : FromFlags(args);
        IContainer container = await ctx.LoadAsync(args.Id).ConfigureAwait(false);
        if (container.Status == ContainerStatus.Stopped)
        {
            throw new CliException("container not running");
        }
        await container.UpdateAsync(resources).ConfigureAwait(false);
        return 0;
    }

    /// <summary>A LinuxResources JSON document, read with the library's spec reader (errors name linux.resources.&lt;field&gt;).</summary>
    internal static LinuxResources Read(string source)
    {
        string json;
        try
        {
            json = source == "-" ? Console.In.ReadToEnd() : File.ReadAllText(source);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"open {source}: {ex.Message}");
        }
        RuntimeSpec spec = RuntimeSpec.Parse($"{{\"ociVersion\":\"{RuntimeSpec.CurrentOciVersion}\",\"linux\":{{\"resources\":\n{json}\n}}}}");
        return spec.Linux?.Resources ?? new LinuxResources();
    }

    internal static LinuxResources FromFlags(ParsedArgs args)
    {
        var resources = new LinuxResources();
        if (args.Get("blkio-weight") is { } weight)
        {
            resources.BlockIO = new LinuxBlockIO { Weight = ValueParsers.ParseNumber<ushort>("blkio-weight", weight) };
        }
        LinuxCpu? cpu = null;
        LinuxCpu Cpu() => cpu ??= new LinuxCpu();
        if (args.Get("cpu-period") is { } period)
        {
            Cpu().Period = ValueParsers.ParseNumber<ulong>("cpu-period", period);
        }
        if (args.Get("cpu-quota") is { } quota)
        {
            Cpu().Quota = ValueParsers.ParseNumber<long>("cpu-quota", quota);
        }
        if (args.Get("cpu-share") is { } shares)
        {
            Cpu().Shares = ValueParsers.ParseNumber<ulong>("cpu-share", shares);
        }
        if (args.Get("cpu-rt-period") is { } rtPeriod)
        {
            Cpu().RealtimePeriod = ValueParsers.ParseNumber<ulong>("cpu-rt-period", rtPeriod);
        }
        if (args.Get("cpu-rt-runtime") is { } rtRuntime)
        {
            Cpu().RealtimeRuntime = ValueParsers.ParseNumber<long>("cpu-rt-runtime", rtRuntime);
        }
        if (args.Get("cpuset-cpus") is { } cpus)
        {
            Cpu().Cpus = cpus;
        }
        if (args.Get("cpuset-mems") is { } mems)
        {
            Cpu().Mems = mems;
        }
        resources.Cpu = cpu;

        LinuxMemory? memory = null;
        LinuxMemory Memory() => memory ??= new LinuxMemory();
        if (args.Get("memory") is { } limit)
        {
            Memory().Limit = ValueParsers.ParseMemory("--memory", limit);
        }
        if (args.Get("memory-reservation") is { } reservation)
        {
            Memory().Reservation = ValueParsers.ParseMemory("--memory-reservation", reservation);
        }
        if (args.Get("memory-swap") is { } swap)
        {
            Memory().Swap = ValueParsers.ParseMemory("--memory-swap", swap);
        }
        if (args.Get("kernel-memory") is { } kernel)
        {
            Memory().Kernel = ValueParsers.ParseMemory("--kernel-memory", kernel);
        }
        if (args.Get("kernel-memory-tcp") is { } kernelTcp)
        {
            Memory().KernelTcp = ValueParsers.ParseMemory("--kernel-memory-tcp", kernelTcp);
        }
        resources.Memory = memory;

        if (args.Get("pids-limit") is { } pids)
        {
            resources.Pids = new LinuxPids { Limit = ValueParsers.ParseNumber<long>("pids-limit", pids) };
        }
        return resources;
    }
}
