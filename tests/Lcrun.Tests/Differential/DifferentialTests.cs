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

    /// <summary>The files (not directories) among runc spec's maskedPaths.</summary>
    private static readonly string[] s_maskedFiles = ["/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug"];

    /// <summary>Differences on purpose: the case ("*" for all), a line prefix, and why.</summary>
    private static readonly (string Case, string Prefix, string Reason)[] s_deliberate =
    [
        ("*", "mount /sys/fs/cgroup ", "the spec's cgroup mount says options [\"ro\"] (\"options ... Mount options of the filesystem to be used\"): " +
            "lcrun makes the whole mount read-only, tmpfs included; runc and crun leave the tmpfs that holds the hierarchies writable"),
        .. s_maskedFiles.Select(f => ("*", $"mount {f} ", "\"maskedPaths ... will mask over the provided paths inside the container so that they cannot be read\": " +
            "the peers differ in how; lcrun binds the container's /dev/null over a file, as runc does (a tmpfs line), crun the host's (devtmpfs). Seen where runc refuses the case")),
        ("user-uid-gid-max", "env HOME=", "the spec is silent on HOME (process.env has environ(7)'s semantics); runc and crun give a process " +
            "without it the user's home from the container's /etc/passwd, else \"/\" (crun so for uid 1000 too); crun 1.8 gives uid 4294967294 none, " +
            "runc refuses that uid (\"uids and gids must be in range 0-2147483647\"); lcrun keeps the rule: HOME=/"),
        ("mount-nosymfollow", "path /scratch ", "a tmpfs without mode=: runc gives its root the mode of the mount point (0755), crun and lcrun " +
            "leave the filesystem's own 1777 (\"options ... Mount options of the filesystem to be used\"; tmpfs-no-mode compares all three); crun 1.8 refuses nosymfollow"),
        .. s_maskedFiles.Select(f => ("device-default-redeclared", $"path {f} ",
            "the same: the container's /dev/null, which this config redeclares with mode 0600 (as runc), not the host's (crun)")),
    ];

    /// <summary>Outcomes on purpose: the case, whether lcrun accepts it (both peers do the opposite), and why.</summary>
    private static readonly Dictionary<string, (bool Accepted, string Reason)> s_deliberateOutcome = new(StringComparer.Ordinal)
    {
        ["all-capabilities"] = (true, "this host's bounding set lacks CAP_SYS_RESOURCE: runc and crun fail at capset; the runtime-spec (1.1 on) says " +
            "\"Runtimes SHOULD NOT fail if the container configuration requests capabilities that cannot be granted\", so lcrun masks it and warns"),
        ["args-relative-env-without-path"] = (true, "config.md: process.args[0] \"is used with the same semantics as execvp's file\", and POSIX " +
            "execvp: \"If this environment variable [PATH] is not present, the results of the search are implementation-defined\": lcrun searches the " +
            "conventional default PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin), as execvp does; runc and crun search nothing and refuse"),
        ["rlimit-duplicate"] = (false, "config.md: \"If `rlimits` contains duplicated entries with same `type`, the runtime MUST generate an error.\" " +
            "runc 1.1 and crun 1.8 apply both entries (the last wins)"),
    };

    public static TheoryData<string> Cases =>
    [
        "runc-spec", "runc-spec-rootless", "crun-spec", "crun-spec-rootless", "lcrun-spec", "podman", "containerd",
        "no-new-privileges-off", "user-1000-with-groups", "umask-0077", "cwd-missing", "rlimits", "domainname",
        "root-writable", "all-capabilities", "unknown-capability", "sysctl-net", "env-without-path", "no-capabilities",
        "readonly-and-masked-extra", "hostname-unset", "tmpfs-mount", "oom-score-adj",
        "user-uid-gid-max", "user-gid-only", "user-1000-cwd-root-only", "umask-0000", "umask-0777",
        "rlimit-nofile-raise", "rlimit-core-unlimited", "rlimit-duplicate", "oom-score-adj-max", "oom-score-adj-negative",
        "capabilities-empty", "capabilities-ambient-not-permitted", "sysctl-ipc", "masked-readonly-empty", "masked-directory",
        "devices-extra", "device-default-redeclared", "hostname-max", "hostname-empty", "bind-mount-odd-options",
        "tmpfs-odd-options", "tmpfs-no-mode", "mount-nosymfollow", "bind-mount-rro", "seccomp-without-faccessat2", "seccomp-without-faccessat2-nnp-off",
        "netns-by-path", "utsns-by-path-hostname", "mntns-by-path", "ipcns-by-path", "cgroupns-new",
        "args-relative", "args-relative-env-without-path", "seccomp-unknown-syscall", "bind-mount-file", "additional-gids-empty",
        "invalid-gid-minus-one", "invalid-rlimit-soft-above-hard", "invalid-sysctl-not-namespaced", "invalid-sysctl-unknown",
        "invalid-device-type", "invalid-hostname-too-long", "invalid-mount-unknown-option",
        "invalid-uid-minus-one", "invalid-cwd-relative", "invalid-args-empty", "invalid-no-such-program",
        "invalid-hostname-without-uts", "invalid-mount-destination-relative", "invalid-rlimit-type", "invalid-namespace-type",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void SameBundle_SameOutcomeAndView(string name)
    {
        JsonObject config = Config(name);
        Outcome lcrun = Run("lcrun", Fresh(name, config));
        Outcome runc = Run("runc", Fresh(name, config));
        Outcome crun = Run("crun", Fresh(name, config));
        string report = $"case {name}\n--- lcrun\n{lcrun}\n--- runc\n{runc}\n--- crun\n{crun}";

        if (s_deliberateOutcome.TryGetValue(name, out var deliberate))
        {
            lcrun.Accepted.Should().Be(deliberate.Accepted, report);
            (runc.Accepted == deliberate.Accepted || crun.Accepted == deliberate.Accepted).Should()
                .BeFalse($"the deliberate difference ({deliberate.Reason}) is still there; else drop it\n{report}");
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

    /// <summary>
    /// The config for one runtime's run: a mount namespace joined by path is a fresh one each time (the run
    /// pivots that namespace's root, so the next runtime could not set up the rootfs in it again).
    /// </summary>
    private JsonObject Fresh(string name, JsonObject config)
    {
        if (name != "mntns-by-path")
        {
            return config;
        }
        JsonObject copy = config.DeepClone().AsObject();
        JoinByPath(copy["linux"]!.AsObject(), "mount", Holder("--mount", "--propagation", "private"));
        return copy;
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
            "containerd" => Containerd(),
            _ => Generated(Peers.Runc),
        };
        if (name is not ("podman" or "containerd"))
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
            case "user-uid-gid-max": process["user"] = new JsonObject { ["uid"] = 4294967294L, ["gid"] = 4294967294L }; break;
            case "user-gid-only": process["user"] = new JsonObject { ["uid"] = 0, ["gid"] = 1000 }; break;
            case "user-1000-cwd-root-only": process["user"] = new JsonObject { ["uid"] = 1000, ["gid"] = 1000 }; process["cwd"] = "/root"; break;
            case "umask-0000": process["user"]!["umask"] = 0; break;
            case "umask-0777": process["user"]!["umask"] = 511; break;
            case "rlimit-nofile-raise": process["rlimits"] = new JsonArray(Rlimit("RLIMIT_NOFILE", 1048576, 1048576)); break;
            case "rlimit-core-unlimited": process["rlimits"] = new JsonArray(Rlimit("RLIMIT_CORE", ulong.MaxValue, ulong.MaxValue)); break;
            case "rlimit-duplicate": process["rlimits"] = new JsonArray(Rlimit("RLIMIT_NOFILE", 1024, 512), Rlimit("RLIMIT_NOFILE", 1024, 256)); break;
            case "oom-score-adj-max": process["oomScoreAdj"] = 1000; break;
            case "oom-score-adj-negative": process["oomScoreAdj"] = -1000; break;
            case "capabilities-empty":
                foreach (string set in new[] { "bounding", "effective", "permitted", "inheritable", "ambient" })
                {
                    process["capabilities"]![set] = new JsonArray();
                }
                break;
            case "capabilities-ambient-not-permitted": caps("ambient").Add(JsonValue.Create("CAP_SYS_ADMIN")); break;
            case "sysctl-ipc": linux["sysctl"] = new JsonObject { ["kernel.shmmax"] = "12345678", ["fs.mqueue.msg_max"] = "20" }; break;
            case "masked-readonly-empty": linux["maskedPaths"] = new JsonArray(); linux["readonlyPaths"] = new JsonArray(); break;
            case "masked-directory":
                linux["maskedPaths"]!.AsArray().Add(JsonValue.Create("/proc/sys/kernel"));
                linux["readonlyPaths"]!.AsArray().Add(JsonValue.Create("/proc/kcore"));
                break;
            case "devices-extra":
                linux["devices"] = new JsonArray(
                    new JsonObject { ["path"] = "/dev/fuse", ["type"] = "c", ["major"] = 10, ["minor"] = 229, ["fileMode"] = 384, ["uid"] = 1000, ["gid"] = 1000 },
                    new JsonObject { ["path"] = "/dev/net/tun", ["type"] = "c", ["major"] = 10, ["minor"] = 200, ["fileMode"] = 438 });
                break;
            case "device-default-redeclared":
                linux["devices"] = new JsonArray(new JsonObject { ["path"] = "/dev/null", ["type"] = "c", ["major"] = 1, ["minor"] = 3, ["fileMode"] = 384 });
                break;
            case "hostname-max": config["hostname"] = new string('h', 64); break;
            case "hostname-empty": config["hostname"] = ""; break;
            case "bind-mount-odd-options":
                config["mounts"]!.AsArray().Add(new JsonObject
                {
                    ["destination"] = "/scratch", ["type"] = "bind", ["source"] = BindSource(),
                    ["options"] = new JsonArray("rbind", "ro", "nosuid", "nodev", "noexec", "rprivate", "noatime"),
                });
                break;
            case "tmpfs-odd-options":
                config["mounts"]!.AsArray().Add(new JsonObject
                {
                    ["destination"] = "/scratch", ["type"] = "tmpfs", ["source"] = "tmpfs",
                    ["options"] = new JsonArray("mode=1777", "uid=1000", "gid=1000", "nr_inodes=100", "nodiratime", "strictatime", "rw", "exec", "suid", "dev"),
                });
                break;
            case "tmpfs-no-mode":
                config["mounts"]!.AsArray().Add(new JsonObject
                {
                    ["destination"] = "/scratch", ["type"] = "tmpfs", ["source"] = "tmpfs", ["options"] = new JsonArray("nosuid", "size=1m"),
                });
                break;
            case "mount-nosymfollow":
                config["mounts"]!.AsArray().Add(new JsonObject
                {
                    ["destination"] = "/scratch", ["type"] = "tmpfs", ["source"] = "tmpfs", ["options"] = new JsonArray("nosymfollow", "nosuid"),
                });
                break;
            case "bind-mount-rro":
                config["mounts"]!.AsArray().Add(new JsonObject
                {
                    ["destination"] = "/scratch", ["type"] = "bind", ["source"] = BindSource(), ["options"] = new JsonArray("rbind", "rro"),
                });
                break;
            case "seccomp-without-faccessat2" or "seccomp-without-faccessat2-nnp-off":
                // A profile written before faccessat2 existed answers it with EPERM (the issue: runtime-tools' default, Docker's older ones).
                linux["seccomp"] = new JsonObject
                {
                    ["defaultAction"] = "SCMP_ACT_ALLOW",
                    ["syscalls"] = new JsonArray(new JsonObject { ["names"] = new JsonArray("faccessat2"), ["action"] = "SCMP_ACT_ERRNO", ["errnoRet"] = 1 }),
                };
                if (name.EndsWith("nnp-off", StringComparison.Ordinal))
                {
                    process["noNewPrivileges"] = false;
                }
                break;
            case "netns-by-path": JoinByPath(linux, "network", Holder("--net")); break;
            case "utsns-by-path-hostname": JoinByPath(linux, "uts", Holder("--uts")); config["domainname"] = "joined.test"; break;
            case "mntns-by-path": break; // Fresh joins a new one for each runtime
            case "ipcns-by-path": JoinByPath(linux, "ipc", Holder("--ipc")); break;
            case "cgroupns-new": linux["namespaces"]!.AsArray().Add(new JsonObject { ["type"] = "cgroup" }); break;
            case "args-relative": process["args"] = new JsonArray("sh", "/probe.sh"); break;
            case "args-relative-env-without-path": process["args"] = new JsonArray("sh", "/probe.sh"); process["env"] = new JsonArray("TERM=xterm"); break;
            case "seccomp-unknown-syscall":
                linux["seccomp"] = new JsonObject
                {
                    ["defaultAction"] = "SCMP_ACT_ALLOW",
                    ["syscalls"] = new JsonArray(new JsonObject { ["names"] = new JsonArray("no_such_syscall", "kexec_load"), ["action"] = "SCMP_ACT_ERRNO" }),
                };
                break;
            case "bind-mount-file":
                config["mounts"]!.AsArray().Add(new JsonObject
                {
                    ["destination"] = "/etc/bound-file", ["type"] = "bind", ["source"] = Path.Combine(BindSource(), "file"), ["options"] = new JsonArray("bind", "ro"),
                });
                break;
            case "additional-gids-empty": process["user"] = new JsonObject { ["uid"] = 0, ["gid"] = 0, ["additionalGids"] = new JsonArray() }; break;
            case "invalid-gid-minus-one": process["user"]!["gid"] = 4294967295L; break;
            case "invalid-rlimit-soft-above-hard": process["rlimits"] = new JsonArray(Rlimit("RLIMIT_NOFILE", 512, 1024)); break;
            case "invalid-sysctl-not-namespaced": linux["sysctl"] = new JsonObject { ["vm.swappiness"] = "10" }; break;
            case "invalid-sysctl-unknown": linux["sysctl"] = new JsonObject { ["net.ipv4.no_such_sysctl"] = "1" }; break;
            case "invalid-device-type":
                linux["devices"] = new JsonArray(new JsonObject { ["path"] = "/dev/banana", ["type"] = "x", ["major"] = 10, ["minor"] = 229 });
                break;
            case "invalid-hostname-too-long": config["hostname"] = new string('h', 65); break;
            case "invalid-mount-unknown-option":
                config["mounts"]!.AsArray().Add(new JsonObject
                {
                    ["destination"] = "/scratch", ["type"] = "tmpfs", ["source"] = "tmpfs", ["options"] = new JsonArray("banana=1"),
                });
                break;
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

    private static JsonObject Rlimit(string type, ulong hard, ulong soft) => new() { ["type"] = type, ["hard"] = hard, ["soft"] = soft };

    /// <summary>A host directory with a file in it, for bind mounts.</summary>
    private string BindSource()
    {
        string dir = Path.Combine(Dir, "bind-source");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "file"), "bound\n");
        return dir;
    }

    /// <summary>Replaces a new namespace of TYPE with the one at PATH.</summary>
    private static void JoinByPath(JsonObject linux, string type, string path)
    {
        RemoveNamespace(linux, type);
        linux["namespaces"]!.AsArray().Add(new JsonObject { ["type"] = type, ["path"] = path });
    }

    private readonly List<System.Diagnostics.Process> _holders = [];

    /// <summary>
    /// A process in new namespaces (`unshare FLAGS sleep`), killed by Dispose; returns the /proc path of the
    /// namespace its first flag makes, once the process is in it.
    /// </summary>
    private string Holder(params string[] flags)
    {
        var start = new ProcessStartInfo("unshare") { RedirectStandardInput = true };
        foreach (string flag in flags)
        {
            start.ArgumentList.Add(flag);
        }
        start.ArgumentList.Add("sleep");
        start.ArgumentList.Add("600");
        System.Diagnostics.Process holder = System.Diagnostics.Process.Start(start)!;
        _holders.Add(holder);
        string kind = flags[0] switch { "--net" => "net", "--uts" => "uts", "--mount" => "mnt", "--ipc" => "ipc", _ => throw new ArgumentException(flags[0]) };
        string path = $"/proc/{holder.Id}/ns/{kind}";
        string ours = new FileInfo($"/proc/self/ns/{kind}").LinkTarget!;
        // unshare(1) execs sleep in the namespace: wait (bounded) until the process shows it.
        for (int i = 0; i < 500 && new FileInfo(path).LinkTarget == ours; i++)
        {
            Thread.Sleep(10);
        }
        new FileInfo(path).LinkTarget.Should().NotBe(ours, $"unshare {string.Join(' ', flags)} makes a new namespace");
        return path;
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
        (int code, string stdout, string stderr) = BundleRunner.Exec("tar", ["-C", probe.Rootfs!, "-cf", tar, "."], dir);
        code.Should().Be(0, stderr);
        (code, stdout, stderr) = BundleRunner.Exec(podman, [.. global, "import", tar, "localhost/lc-probe:1"], dir);
        code.Should().Be(0, $"podman import: {stderr}");
        string cgroupParent = $"/lc-test-podman-{Guid.NewGuid():N}"[..24];
        _cgroupParents.Add(cgroupParent);
        (code, stdout, stderr) = BundleRunner.Exec(podman, [.. global, "create", "--cgroup-parent", cgroupParent, "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
            "localhost/lc-probe:1", "/bin/sh", "/probe.sh"], dir);
        code.Should().Be(0, $"podman create: {stderr}");
        string id = stdout.Trim();
        _cleanup.Add([podman, .. global, "rm", "-f", id]);
        (code, stdout, stderr) = BundleRunner.Exec(podman, [.. global, "init", id], dir);
        code.Should().Be(0, $"podman init: {stderr}");
        JsonObject config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "storage", "vfs-containers", id, "userdata", "config.json")))!.AsObject();
        config["linux"]!.AsObject().Remove("cgroupsPath");
        return config;
    }

    /// <summary>
    /// The config.json containerd writes for a ctr container (from the task's bundle in its state dir, while
    /// the container exists): a private containerd (eng/containerd-private.sh, as eng/containerd-test.sh), `ctr run
    /// -d --rootfs` on the probe rootfs with runc as the shim's runtime, a namespace of the test's own. Its
    /// cgroupsPath (/NAMESPACE/ID) is dropped: that container holds it until it is deleted; Dispose removes the
    /// namespace's cgroup, which the shim leaves in every hierarchy.
    /// </summary>
    private JsonObject Containerd()
    {
        string dir = Path.Combine(Dir, "containerd");
        string script = Path.Combine(AppContext.BaseDirectory, "eng", "containerd-private.sh");
        string ns = $"lc-diff-{Guid.NewGuid():N}"[..16];
        string id = NewId();
        (int code, string stdout, string stderr) = BundleRunner.Exec(script, ["start", dir], Dir);
        code.Should().Be(0, $"containerd-private.sh start: {stdout}{stderr}");
        _cleanup.Add([script, "stop", dir, ns]);
        _cgroupParents.Add("/" + ns);
        (code, stdout, stderr) = BundleRunner.Exec(Peers.Ctr, ["--address", Path.Combine(dir, "containerd.sock"), "--namespace", ns, "run", "-d",
            "--runc-binary", Peers.Runc, "--rootfs", probe.Rootfs!, id, "/bin/sleep", "300"], Dir);
        code.Should().Be(0, $"ctr run: {stdout}{stderr}");
        string file = Path.Combine(dir, "state", "io.containerd.runtime.v2.task", ns, id, "config.json");
        JsonObject config = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        config["root"]!["path"]!.GetValue<string>().Should().Be(probe.Rootfs, "ctr run --rootfs names the probe rootfs");
        config["linux"]!.AsObject().Remove("cgroupsPath");
        return config;
    }

    public override void Dispose()
    {
        foreach (System.Diagnostics.Process holder in _holders)
        {
            holder.Kill();
            holder.WaitForExit();
            holder.Dispose();
        }
        foreach (string[] command in _cleanup)
        {
            BundleRunner.Exec(command[0], command[1..], Dir);
        }
        // Children first (conmon's cgroup), in every hierarchy podman made the parent in.
        foreach (string parent in _cgroupParents)
        {
            foreach (string dir in Directory.EnumerateDirectories("/sys/fs/cgroup")
                .Select(h => "/sys/fs/cgroup/" + Path.GetFileName(h) + parent).Where(Directory.Exists))
            {
                foreach (string child in Directory.EnumerateDirectories(dir))
                {
                    RemoveCgroup(child);
                }
                RemoveCgroup(dir);
            }
        }
        base.Dispose();
    }

    /// <summary>
    /// rmdir of a cgroup; EBUSY while a process that was just killed (podman's conmon after `podman rm -f`) is still
    /// leaving it is retried, for up to 10 s.
    /// </summary>
    private static void RemoveCgroup(string dir)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(dir);
                return;
            }
            catch (IOException) when (attempt < 100)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>`TOOL spec [ARGS]` in a fresh directory: the tool's own config.json.</summary>
    private JsonObject Generated(string tool, params string[] args)
    {
        string dir = Path.Combine(Dir, $"spec-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        (int code, string stdout, string stderr) = BundleRunner.Exec(tool, ["spec", .. args], dir);
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
        (int code, string stdout, string stderr) = BundleRunner.Run(runtime, Fixture.Lcrun, root, id, bundle);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        bool accepted = lines.Contains(End);
        return new Outcome(accepted, code, [.. lines.Where(l => l != End)], stderr);
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
        for f in /dev/* /dev/net/* /dev/pts/ptmx; do [ -e "$f" -o -L "$f" ] && stat -c 'dev %n %F %a %u %g %t %T %N' "$f"; done
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
        // Only root may enter /root (as in most images): a working directory there tests when the runtime changes into it.
        File.SetUnixFileMode(Path.Combine(Rootfs, "root"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string probe = Path.Combine(Rootfs, "probe.sh");
        File.WriteAllText(probe, Script.Replace("\r", "", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(probe, (UnixFileMode)Convert.ToInt32("755", 8));
    }

    public string Dir { get; }

    public string? Rootfs { get; }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
