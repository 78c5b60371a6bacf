// LibContainer benchmarks: the library's in-process container lifecycle against `crun run` and
// `runc run` on the same busybox bundle, operations on a running container, and helpers for the
// scripts beside this project. Run as root through benchmarks/run.sh, which hides the hybrid cgroup
// layout from crun in a private mount namespace:
//   sudo benchmarks/run.sh            BenchmarkDotNet (extra arguments go to it, e.g. --filter '*Lifecycle*')
//   sudo benchmarks/run.sh --smoke    each variant 3 times, no BenchmarkDotNet: checks they work
//   sudo benchmarks/run.sh --smoke --rounds 30    the same, more often: the lifecycle's steps, warm
//   sudo benchmarks/run.sh --concurrency [--count 200] [--sequential]    N containers at once: library vs crun
//   sudo benchmarks/run.sh --costs [--iterations 100]    single steps alone: cgroup mkdir, file writes, freezer
//   sudo benchmarks/run.sh --soak [--count 5000]    lifecycles, execs, concurrent batches: fds, threads, RSS, Reaper, lock table flat
//   --serve [--warmup 10] [--state-root DIR] [--synchronous-wait-ms 0]    the embedded lifecycle, one per "run" line (compare.sh, trace.sh)
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
    return Option("--rounds", Smoke.DefaultRounds) is int rounds ? await Smoke.RunAsync(rounds) : 2;
}
if (args.Contains("--serve"))
{
    int stateRootAt = Array.IndexOf(args, "--state-root");
    string? stateRoot = stateRootAt >= 0 && stateRootAt + 1 < args.Length ? args[stateRootAt + 1] : null;
    return Option("--warmup", Serve.DefaultWarmup, allowZero: true) is int warmup && Option("--synchronous-wait-ms", 0, allowZero: true) is int syncMs
        ? await Serve.RunAsync(warmup, stateRoot, TimeSpan.FromMilliseconds(syncMs)) : 2;
}
if (args.Contains("--concurrency"))
{
    return Option("--count", Concurrency.DefaultCount) is int count ? await Concurrency.RunAsync(count, args.Contains("--sequential")) : 2;
}
if (args.Contains("--soak"))
{
    return Option("--count", Soak.DefaultCount) is int soakCount ? await Soak.RunAsync(soakCount) : 2;
}
if (args.Contains("--costs"))
{
    return Option("--iterations", CandidateCosts.DefaultIterations) is int iterations ? await CandidateCosts.RunAsync(iterations) : 2;
}

IConfig config = DefaultConfig.Instance;
if (!args.Contains("--artifacts") && FindRepositoryRoot() is string repo)
{
    // Next to the build output (ignored by git), not in whatever directory the caller stood in.
    config = config.WithArtifactsPath(Path.Combine(repo, "artifacts", "benchmarks"));
}
Summary[] summaries = BenchmarkRunner.Run([typeof(ContainerBenchmarks), typeof(RunningContainerBenchmarks)], config, args);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) || summaries.All(s => s.Reports.IsEmpty) ? 1 : 0;

// The number after a --name option: the default when absent, null (after saying why) when it is not a valid count.
int? Option(string name, int defaultValue, bool allowZero = false)
{
    int at = Array.IndexOf(args, name);
    if (at < 0)
    {
        return defaultValue;
    }
    if (at + 1 < args.Length && int.TryParse(args[at + 1], out int value) && (value > 0 || (allowZero && value == 0)))
    {
        return value;
    }
    Console.Error.WriteLine($"LibContainer.Benchmarks: {name} needs a {(allowZero ? "non-negative" : "positive")} number");
    return null;
}

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
