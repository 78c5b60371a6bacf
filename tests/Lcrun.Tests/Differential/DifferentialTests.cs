using System.Diagnostics;
using System.Text.Json.Nodes;
using Lcrun.Tests.Infrastructure;

namespace Lcrun.Tests.Differential;

/// <summary>
/// The same bundle under lcrun, runc and crun; what a probe inside sees, and whether each accepts it, must
/// agree. The corpus is made during the run by the tools themselves (<c>runc spec</c>, <c>runc spec --rootless</c>,
/// <c>crun spec</c>, <c>crun spec --rootless</c>, <c>lcrun spec</c>), plus variations of runc's (fields set, unset,
/// edge values) and invalid ones.
/// Rules: where runc and crun agree, lcrun must agree with them; where they differ, lcrun must match one of
/// them (every line lcrun's probe prints must be printed by runc's or crun's, every line both print must be
/// printed by lcrun's, and the accept/refuse outcome must be one of theirs). A difference is allowed only
/// where <see cref="s_deliberate"/> names it, with the runtime-spec's sentence.
/// crun 1.8 refuses this host's hybrid cgroups unless the cgroup2 controllers file reads empty: it runs in a
/// private mount namespace where /dev/null is bound over that file (as benchmarks/masked.sh does).
/// </summary>
public sealed class DifferentialTests(LcrunFixture fixture, ProbeRootfs probe) : LcrunTest(fixture), IClassFixture<ProbeRootfs>
{
    private const string End = "PROBE-END";

    /// <summary>Differences on purpose: the case ("*" for all), a line prefix, and why.</summary>
    private static readonly (string Case, string Prefix, string Reason)[] s_deliberate =
    [
        ("*", "mount /sys/fs/cgroup ", "the spec's cgroup mount says options [\"ro\"] (\"options ... Mount options of the filesystem to be used\"): " +
            "lcrun makes the whole mount read-only, tmpfs included; runc and crun leave the tmpfs that holds the hierarchies writable"),
    ];

    /// <summary>Outcomes on purpose: the case, what lcrun does, and why.</summary>
    private static readonly Dictionary<string, string> s_deliberateOutcome = new(StringComparer.Ordinal)
    {
        ["all-capabilities"] = "this host's bounding set lacks CAP_SYS_RESOURCE: runc and crun fail at capset; the runtime-spec (1.1 on) says " +
            "\"Runtimes SHOULD NOT fail if the container configuration requests capabilities that cannot be granted\", so lcrun masks it and warns",
    };

    public static TheoryData<string> Cases =>
    [
        "runc-spec", "runc-spec-rootless", "crun-spec", "crun-spec-rootless", "lcrun-spec", "podman",
        "no-new-privileges-off", "user-1000-with-groups", "umask-0077", "cwd-missing", "rlimits", "domainname",
        "root-writable", "all-capabilities", "unknown-capability", "sysctl-net", "env-without-path", "no-capabilities",
        "readonly-and-masked-extra", "hostname-unset", "tmpfs-mount", "oom-score-adj",
        "invalid-uid-minus-one", "invalid-cwd-relative", "invalid-args-empty", "invalid-no-such-program",
        "invalid-hostname-without-uts", "invalid-mount-destination-relative", "invalid-rlimit-type", "invalid-namespace-type",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void SameBundle_SameOutcomeAndView(string name)
    {
        JsonObject config = Config(name);
        Outcome lcrun = Run("lcrun", config);
        Outcome runc = Run("runc", config);
        Outcome crun = Run("crun", config);
        string report = $"case {name}\n--- lcrun\n{lcrun}\n--- runc\n{runc}\n--- crun\n{crun}";

        if (s_deliberateOutcome.TryGetValue(name, out string? reason))
        {
            lcrun.Accepted.Should().BeTrue(report);
            (runc.Accepted || crun.Accepted).Should().BeFalse($"the deliberate difference ({reason}) is still there; else drop it\n{report}");
            return;
        }
        bool peersAgree = runc.Accepted == crun.Accepted;
        if (peersAgree)
        {
            lcrun.Accepted.Should().Be(runc.Accepted, $"runc and crun agree\n{report}");
        }
        if (!lcrun.Accepted)
        {
            return;
        }
        var ours = Comparable(name, lcrun.Lines);
        HashSet<string> peers = [.. runc.Accepted ? Comparable(name, runc.Lines) : [], .. crun.Accepted ? Comparable(name, crun.Lines) : []];
        ours.Except(peers).Should().BeEmpty($"every line lcrun's probe prints must be printed by runc's or crun's\n{report}");
        if (runc.Accepted && crun.Accepted)
        {
            Comparable(name, runc.Lines).Intersect(Comparable(name, crun.Lines)).Except(ours).Should()
                .BeEmpty($"what runc and crun both show, lcrun must show\n{report}");
        }
    }

    private static HashSet<string> Comparable(string name, IEnumerable<string> lines) =>
        [.. lines.Where(l => !s_deliberate.Any(d => (d.Case == "*" || d.Case == name) && l.StartsWith(d.Prefix, StringComparison.Ordinal)))];

    /// <summary>A case's config.json: a tool's own output, or runc's with one change.</summary>
    private JsonObject Config(string name)
    {
        JsonObject config = name switch
        {
            "runc-spec-rootless" => Generated(Peers.Runc, "--rootless"),
            "crun-spec" => Generated(Peers.Crun),
            "crun-spec-rootless" => Generated(Peers.Crun, "--rootless"),
            "lcrun-spec" => Generated(Fixture.Lcrun),
            "podman" => Podman(),
            _ => Generated(Peers.Runc),
        };
        if (name != "podman")
        {
            config["root"] = new JsonObject { ["path"] = probe.Rootfs, ["readonly"] = true };
        }
        JsonObject process = config["process"]!.AsObject();
        process["terminal"] = false;
        process["args"] = new JsonArray("/bin/sh", "/probe.sh");
        JsonObject linux = config["linux"]!.AsObject();
        JsonArray caps(string set) => process["capabilities"]![set]!.AsArray();
        switch (name)
        {
            case "no-new-privileges-off": process["noNewPrivileges"] = false; break;
            case "user-1000-with-groups": process["user"] = new JsonObject { ["uid"] = 1000, ["gid"] = 1000, ["additionalGids"] = new JsonArray(10, 20) }; break;
            case "umask-0077": process["user"]!["umask"] = 63; break;
            case "cwd-missing": process["cwd"] = "/no/such/dir"; break;
            case "rlimits":
                process["rlimits"] = new JsonArray(
                    new JsonObject { ["type"] = "RLIMIT_NOFILE", ["hard"] = 4096, ["soft"] = 512 },
                    new JsonObject { ["type"] = "RLIMIT_NPROC", ["hard"] = 300, ["soft"] = 200 },
                    new JsonObject { ["type"] = "RLIMIT_CORE", ["hard"] = 0, ["soft"] = 0 });
                break;
            case "domainname": config["domainname"] = "example.test"; break;
            case "root-writable": config["root"]!["readonly"] = false; break;
            case "all-capabilities":
                foreach (string set in new[] { "bounding", "effective", "permitted" })
                {
                    process["capabilities"]![set] = new JsonArray([.. AllCapabilities.Select(c => (JsonNode)JsonValue.Create(c))]);
                }
                break;
            case "unknown-capability":
                foreach (string set in new[] { "bounding", "effective", "permitted" })
                {
                    caps(set).Add(JsonValue.Create("CAP_BANANA"));
                }
                break;
            case "sysctl-net": linux["sysctl"] = new JsonObject { ["net.ipv4.ip_forward"] = "1", ["net.core.somaxconn"] = "1024" }; break;
            case "env-without-path": process["env"] = new JsonArray("TERM=xterm"); process["args"] = new JsonArray("/bin/sh", "/probe.sh"); break;
            case "no-capabilities": process.Remove("capabilities"); break;
            case "readonly-and-masked-extra":
                linux["readonlyPaths"]!.AsArray().Add(JsonValue.Create("/proc/bus"));
                linux["maskedPaths"]!.AsArray().Add(JsonValue.Create("/proc/keys"));
                linux["maskedPaths"]!.AsArray().Add(JsonValue.Create("/proc/no-such-file"));
                break;
            case "hostname-unset": config.Remove("hostname"); break;
            case "tmpfs-mount":
                config["mounts"]!.AsArray().Add(new JsonObject
                {
                    ["destination"] = "/scratch", ["type"] = "tmpfs", ["source"] = "tmpfs",
                    ["options"] = new JsonArray("nosuid", "nodev", "size=1m", "mode=700"),
                });
                break;
            case "oom-score-adj": process["oomScoreAdj"] = 500; break;
            case "invalid-uid-minus-one": process["user"]!["uid"] = 4294967295L; break;
            case "invalid-cwd-relative": process["cwd"] = "relative"; break;
            case "invalid-args-empty": process["args"] = new JsonArray(); break;
            case "invalid-no-such-program": process["args"] = new JsonArray("/no/such/program"); break;
            case "invalid-hostname-without-uts":
                RemoveNamespace(linux, "uts");
                break;
            case "invalid-mount-destination-relative":
                config["mounts"]!.AsArray().Add(new JsonObject { ["destination"] = "scratch", ["type"] = "tmpfs", ["source"] = "tmpfs" });
                break;
            case "invalid-rlimit-type": process["rlimits"] = new JsonArray(new JsonObject { ["type"] = "RLIMIT_BANANA", ["hard"] = 1, ["soft"] = 1 }); break;
            case "invalid-namespace-type": linux["namespaces"]!.AsArray().Add(new JsonObject { ["type"] = "banana" }); break;
        }
        return config;
    }

    private static void RemoveNamespace(JsonObject linux, string type)
    {
        JsonArray namespaces = linux["namespaces"]!.AsArray();
        foreach (JsonNode? ns in namespaces.Where(n => (string?)n!["type"] == type).ToList())
        {
            namespaces.Remove(ns);
        }
    }

    private static readonly string[] AllCapabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
        "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    private readonly List<string[]> _cleanup = [];
    private readonly List<string> _cgroupParents = [];

    /// <summary>
    /// The config.json podman writes for a container (from its bundle directory, while the container exists):
    /// the probe rootfs imported as an image into private storage, `podman create --network none` with the
    /// cgroupfs manager, `podman init` (runc creates it, so the file and the mounts it names exist). The
    /// rlimits are given: podman's default RLIMIT_NOFILE of 1048576 needs CAP_SYS_RESOURCE, which this host's
    /// bounding set lacks. Its cgroupsPath is dropped: podman's own container holds that cgroup. The cgroup
    /// parent is the test's own (podman's default, libpod_parent with conmon's cgroup in it, would stay on
    /// the host: podman never removes it); Dispose removes it after podman rm.
    /// </summary>
    private JsonObject Podman()
    {
        string podman = Peers.Podman;
        string dir = Path.Combine(Dir, "podman");
        Directory.CreateDirectory(dir);
        string[] global = ["--root", Path.Combine(dir, "storage"), "--runroot", Path.Combine(dir, "run"), "--cgroup-manager", "cgroupfs",
            "--events-backend", "none", "--storage-driver", "vfs", "--runtime", Peers.Runc];
        string tar = Path.Combine(dir, "rootfs.tar");
        (int code, string stdout, string stderr) = Exec("tar", ["-C", probe.Rootfs!, "-cf", tar, "."], dir);
        code.Should().Be(0, stderr);
        (code, stdout, stderr) = Exec(podman, [.. global, "import", tar, "localhost/lc-probe:1"], dir);
        code.Should().Be(0, $"podman import: {stderr}");
        string cgroupParent = $"/lc-test-podman-{Guid.NewGuid():N}"[..24];
        _cgroupParents.Add(cgroupParent);
        (code, stdout, stderr) = Exec(podman, [.. global, "create", "--cgroup-parent", cgroupParent, "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
            "localhost/lc-probe:1", "/bin/sh", "/probe.sh"], dir);
        code.Should().Be(0, $"podman create: {stderr}");
        string id = stdout.Trim();
        _cleanup.Add([podman, .. global, "rm", "-f", id]);
        (code, stdout, stderr) = Exec(podman, [.. global, "init", id], dir);
        code.Should().Be(0, $"podman init: {stderr}");
        JsonObject config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "storage", "vfs-containers", id, "userdata", "config.json")))!.AsObject();
        config["linux"]!.AsObject().Remove("cgroupsPath");
        return config;
    }

    public override void Dispose()
    {
        foreach (string[] command in _cleanup)
        {
            Exec(command[0], command[1..], Dir);
        }
        // Children first (conmon's cgroup), in every hierarchy podman made the parent in.
        foreach (string parent in _cgroupParents)
        {
            foreach (string dir in Directory.EnumerateDirectories("/sys/fs/cgroup")
                .Select(h => "/sys/fs/cgroup/" + Path.GetFileName(h) + parent).Where(Directory.Exists))
            {
                foreach (string child in Directory.EnumerateDirectories(dir))
                {
                    Directory.Delete(child);
                }
                Directory.Delete(dir);
            }
        }
        base.Dispose();
    }

    /// <summary>`TOOL spec [ARGS]` in a fresh directory: the tool's own config.json.</summary>
    private JsonObject Generated(string tool, params string[] args)
    {
        string dir = Path.Combine(Dir, $"spec-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        (int code, string stdout, string stderr) = Exec(tool, ["spec", .. args], dir);
        code.Should().Be(0, $"{tool} spec: {stdout}{stderr}");
        return JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
    }

    /// <summary>`RUNTIME --root R run ID` on a bundle with this config.</summary>
    private Outcome Run(string runtime, JsonObject config)
    {
        string bundle = Path.Combine(Dir, $"{runtime}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(bundle);
        File.WriteAllText(Path.Combine(bundle, "config.json"), config.ToJsonString());
        string root = Path.Combine(Dir, $"{runtime}-state");
        string id = NewId();
        (int code, string stdout, string stderr) = runtime switch
        {
            "lcrun" => Exec(Fixture.Lcrun, ["--root", root, "run", id], bundle),
            "runc" => Exec(Peers.Runc, ["--root", root, "run", id], bundle),
            _ => Exec("unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c",
                "f=/sys/fs/cgroup/unified/cgroup.controllers; if [ -e $f ]; then mount --bind /dev/null $f || exit 125; fi; exec \"$0\" \"$@\"",
                Peers.Crun, "--root", root, "run", id], bundle),
        };
        if (runtime != "lcrun")
        {
            Exec(runtime == "runc" ? Peers.Runc : Peers.Crun, ["--root", root, "delete", "-f", id], bundle);
        }
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        bool accepted = lines.Contains(End);
        return new Outcome(accepted, code, [.. lines.Where(l => l != End)], stderr);
    }

    private static (int Code, string Stdout, string Stderr) Exec(string program, string[] args, string workingDirectory)
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

    private sealed record Outcome(bool Accepted, int ExitCode, IReadOnlyList<string> Lines, string Stderr)
    {
        public override string ToString() =>
            $"{(Accepted ? "accepted" : "refused")}, exit {ExitCode}\n{string.Join('\n', Lines)}\nstderr: {Stderr}";
    }
}

/// <summary>A busybox rootfs with the probe at /probe.sh, for the differential suite.</summary>
public sealed class ProbeRootfs : IDisposable
{
    /// <summary>
    /// What the process sees: ids, capability sets, no_new_privs, seccomp mode, rlimits, umask, cwd, names,
    /// mounts (point, options, type, per-mount options; ids dropped), devices, masked and read-only paths,
    /// sysctls, environment. Every line is a fact; the last is the end marker.
    /// </summary>
    private const string Script = """
        #!/bin/sh
        echo "id $(id)"
        grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' /proc/self/status
        tail -n +2 /proc/self/limits | sed 's/  */ /g; s/^/limit /'
        echo "umask $(umask)"
        echo "cwd $(pwd)"
        echo "hostname $(hostname) domainname $(cat /proc/sys/kernel/domainname)"
        awk '{ for (i = 7; $i != "-"; i++) ; print "mount " $5, $6, $(i + 1) }' /proc/self/mountinfo
        for f in /dev/* /dev/pts/ptmx; do [ -e "$f" -o -L "$f" ] && stat -c 'dev %n %F %a %u %g %t %T %N' "$f"; done
        for p in /proc/kcore /proc/keys /proc/timer_list /proc/sysrq-trigger /proc/sys/kernel /proc/bus /sys/firmware /scratch; do
          if [ -e $p ]; then
            r=$( (ls $p >/dev/null 2>&1 && echo listable) || echo unlistable)
            w=$( (touch $p/.x 2>/dev/null && rm -f $p/.x) && echo writable || echo not-writable)
            echo "path $p $r $w $(stat -c '%a %u %g' $p)"
          else
            echo "path $p absent"
          fi
        done
        for s in net/ipv4/ip_forward net/core/somaxconn kernel/shmmax; do echo "sysctl $s $(cat /proc/sys/$s 2>&1)"; done
        cat /proc/self/oom_score_adj | sed 's/^/oom_score_adj /'
        env | sort | sed 's/^/env /'
        echo PROBE-END
        """;

    public ProbeRootfs()
    {
        Dir = Directory.CreateTempSubdirectory("lc-differential-").FullName;
        if (!LibContainer.Samples.BusyboxRootfs.IsAvailable())
        {
            return;
        }
        Rootfs = LibContainer.Samples.BusyboxRootfs.Create(Path.Combine(Dir, "rootfs"));
        string bin = Path.Combine(Rootfs, "bin");
        foreach (string applet in new[] { "awk", "sed", "grep", "stat", "sort", "env", "tail", "touch", "rm", "ls", "cat", "id", "hostname" })
        {
            string link = Path.Combine(bin, applet);
            if (!File.Exists(link) && new FileInfo(link).LinkTarget is null)
            {
                File.CreateSymbolicLink(link, "busybox");
            }
        }
        string probe = Path.Combine(Rootfs, "probe.sh");
        File.WriteAllText(probe, Script.Replace("\r", "", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(probe, (UnixFileMode)Convert.ToInt32("755", 8));
    }

    public string Dir { get; }

    public string? Rootfs { get; }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
