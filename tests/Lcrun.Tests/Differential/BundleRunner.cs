using System.Diagnostics;

namespace Lcrun.Tests.Differential;

/// <summary>Runs a bundle under lcrun, runc or crun the same way, for the suites that compare them.</summary>
internal static class BundleRunner
{
    public static readonly string[] Runtimes = ["lcrun", "runc", "crun"];

    /// <summary>
    /// `RUNTIME --root ROOT run ID` in the bundle directory (create, start, wait, delete); a peer's container is
    /// deleted with -f after, whatever happened. crun 1.8 refuses this host's hybrid cgroups unless the cgroup2
    /// controllers file reads empty: it runs in a private mount namespace where /dev/null is bound over that
    /// file (as benchmarks/masked.sh does).
    /// </summary>
    public static (int Code, string Stdout, string Stderr) Run(string runtime, string lcrun, string root, string id, string bundle)
    {
        (int, string, string) result = runtime switch
        {
            "lcrun" => Exec(lcrun, ["--root", root, "run", id], bundle),
            "runc" => Exec(Peers.Runc, ["--root", root, "run", id], bundle),
            "crun" => Exec("unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c",
                "f=/sys/fs/cgroup/unified/cgroup.controllers; if [ -e $f ]; then mount --bind /dev/null $f || exit 125; fi; exec \"$0\" \"$@\"",
                Peers.Crun, "--root", root, "run", id], bundle),
            _ => throw new ArgumentException($"unknown runtime {runtime}", nameof(runtime)),
        };
        if (runtime != "lcrun")
        {
            Exec(runtime == "runc" ? Peers.Runc : Peers.Crun, ["--root", root, "delete", "-f", id], bundle);
        }
        return result;
    }

    public static (int Code, string Stdout, string Stderr) Exec(string program, string[] args, string workingDirectory)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using System.Diagnostics.Process process = System.Diagnostics.Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
