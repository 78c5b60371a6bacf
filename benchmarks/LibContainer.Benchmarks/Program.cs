// LibContainer benchmarks: the library's in-process container lifecycle against `crun run` and
// `runc run` on the same busybox bundle. Run as root through benchmarks/run.sh, which hides the
// hybrid cgroup layout from crun in a private mount namespace:
//   sudo benchmarks/run.sh            BenchmarkDotNet (extra arguments go to it, e.g. --filter '*Lifecycle*')
//   sudo benchmarks/run.sh --smoke    each variant 3 times, no BenchmarkDotNet: checks they work
//   sudo benchmarks/run.sh --smoke --rounds 30    the same, more often: the lifecycle's steps, warm
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using LibContainer.Benchmarks;

if (Preflight.FindProblem() is string problem)
{
    Console.Error.WriteLine($"LibContainer.Benchmarks: {problem}");
    return 2;
}

if (args.Contains("--smoke"))
{
    int rounds = Smoke.DefaultRounds;
    int at = Array.IndexOf(args, "--rounds");
    if (at >= 0 && (at + 1 >= args.Length || !int.TryParse(args[at + 1], out rounds) || rounds < 1))
    {
        Console.Error.WriteLine("LibContainer.Benchmarks: --rounds needs a positive number");
        return 2;
    }
    return await Smoke.RunAsync(rounds);
}

IConfig config = DefaultConfig.Instance;
if (!args.Contains("--artifacts") && FindRepositoryRoot() is string repo)
{
    // Next to the build output (ignored by git), not in whatever directory the caller stood in.
    config = config.WithArtifactsPath(Path.Combine(repo, "artifacts", "benchmarks"));
}
Summary summary = BenchmarkRunner.Run<ContainerBenchmarks>(config, args);
return summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success) || summary.Reports.IsEmpty ? 1 : 0;

static string? FindRepositoryRoot()
{
    for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")) && Directory.Exists(Path.Combine(dir.FullName, "benchmarks")))
        {
            return dir.FullName;
        }
    }
    return null;
}
