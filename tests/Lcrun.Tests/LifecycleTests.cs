using System.Globalization;
using System.Text.Json;
using Lcrun.Tests.Infrastructure;
using LibContainer.Spec;

namespace Lcrun.Tests;

/// <summary>create, start, run, kill, delete, state and list, as containerd's shim calls them.</summary>
public sealed class LifecycleTests(LcrunFixture fixture) : LcrunTest(fixture)
{
    [Fact]
    public void Run_Foreground_PrintsAndExitsWithTheContainersCodeThenDeletes()
    {
        WriteConfig(Spec("sh", "-c", "echo hello from $(hostname); exit 3"));

        LcrunResult result = Lcrun("run", NewId());

        result.ExitCode.Should().Be(3, result.ToString());
        result.Stdout.Should().Be("hello from libcontainer\n");
        Ok("list", "-q").Stdout.Should().BeEmpty("run deletes the container after it exits");
    }

    [Fact]
    public void CreateStartKillDelete_StatesAlongTheWay()
    {
        string id = NewId();
        string pidFile = Path.Combine(Dir, "init.pid");

        Ok("create", "--bundle", Bundle, "--pid-file", pidFile, id);
        using (JsonDocument state = JsonDocument.Parse(Ok("state", id).Stdout))
        {
            JsonElement root = state.RootElement;
            root.GetProperty("status").GetString().Should().Be("created");
            root.GetProperty("id").GetString().Should().Be(id);
            root.GetProperty("bundle").GetString().Should().Be(Bundle);
            root.GetProperty("rootfs").GetString().Should().Be(Fixture.Rootfs);
            root.GetProperty("pid").GetInt32().Should().Be(int.Parse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture));
            DateTimeOffset.Parse(root.GetProperty("created").GetString()!, CultureInfo.InvariantCulture).Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        }
        Directory.GetFiles(Dir, ".init.pid").Should().BeEmpty("the pid file is written to a temp name and renamed");

        Ok("start", id);
        Status(id).Should().Be("running");
        LcrunResult again = Lcrun("start", id);
        again.ExitCode.Should().Be(1);
        again.Stderr.Should().Contain("cannot start an already running container");

        LcrunResult busy = Lcrun("delete", id);
        busy.ExitCode.Should().Be(1);
        busy.Stderr.Should().Contain($"cannot delete container {id} that is not stopped: running");

        Ok("kill", id, "KILL");
        WaitForStatus(id, "stopped");
        JsonDocument.Parse(Ok("state", id).Stdout).RootElement.GetProperty("pid").GetInt32().Should().Be(0);
        Lcrun("kill", id).Stderr.Should().Contain("container not running");
        Lcrun("start", id).Stderr.Should().Contain("cannot start a container that has stopped");

        Ok("delete", id);
        Lcrun("state", id).Stderr.Should().Contain("container does not exist");
    }

    /// <summary>Kept on purpose (docs/architecture.md): containerd's shim deletes a created container without --force.</summary>
    [Fact]
    public void Delete_CreatedContainer_NeedsNoForce()
    {
        string id = NewId();
        Ok("create", id);

        Ok("delete", id);

        Ok("list", "-q").Stdout.Should().BeEmpty();
    }

    [Fact]
    public void DeleteForce_RunningAndPaused_KillsAndRemoves()
    {
        string running = NewId();
        string paused = NewId();
        Ok("run", "-d", running);
        Ok("run", "-d", paused);
        Ok("pause", paused);

        Ok("delete", "--force", running);
        Ok("delete", "-f", paused);

        Ok("list", "-q").Stdout.Should().BeEmpty();
    }

    [Fact]
    public void List_TableJsonAndQuiet()
    {
        string id = NewId();
        Ok("create", id);

        string[] table = Ok("list").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        table[0].Should().MatchRegex("^ID +PID +STATUS +BUNDLE +CREATED +OWNER$");
        table[1].Should().StartWith(id).And.Contain(" created ").And.Contain(Bundle).And.EndWith("root");

        using JsonDocument json = JsonDocument.Parse(Ok("list", "--format", "json").Stdout);
        json.RootElement.GetArrayLength().Should().Be(1);
        json.RootElement[0].GetProperty("status").GetString().Should().Be("created");
        json.RootElement[0].GetProperty("owner").GetString().Should().Be("root");

        Ok("list", "-q").Stdout.Should().Be(id + "\n");
        Ok("delete", id);
        Ok("list", "-f", "json").Stdout.Should().Be("null\n");
    }

    [Fact]
    public void KillAll_SignalsEveryProcess()
    {
        string id = NewId();
        WriteConfig(Spec("sh", "-c", "sleep 100 & sleep 100 & wait"));
        Ok("run", "-d", id);

        Ok("kill", "--all", id, "9");

        WaitForStatus(id, "stopped");
        Ok("kill", "-a", id, "KILL"); // nothing left: not an error with --all
    }

    [Fact]
    public void PauseResume_Statuses()
    {
        string id = NewId();
        Ok("run", "-d", id);

        Ok("pause", id);
        Status(id).Should().Be("paused");
        Lcrun("pause", id).Stderr.Should().Contain("container not running");
        Ok("resume", id);
        Status(id).Should().Be("running");
        Lcrun("resume", id).Stderr.Should().Contain("container not paused");
    }

    [Fact]
    public void PreserveFds_PassesOpenFilesFromFd3()
    {
        string output = Path.Combine(Dir, "fd3.txt");
        WriteConfig(Spec("sh", "-c", "echo through fd 3 >&3"));

        LcrunResult result = LcrunIn(Bundle, ["run", "--preserve-fds", "1", NewId()], shellPrefix: $"exec 3>'{output}';");

        result.ExitCode.Should().Be(0, result.ToString());
        File.ReadAllText(output).Should().Be("through fd 3\n");
    }

    [Fact]
    public void Run_Clone3Refused_TheLibraryMovesTheInitIntoItsUnifiedCgroup()
    {
        // Under a seccomp filter that answers clone3 with ENOSYS (what Docker's default profile did for
        // runtimes that predate it), lc-init cannot clone the container into its unified cgroup: it
        // clones plainly, says so with the pid, and lcrun writes cgroup.procs itself. The v1 joins
        // (the container's own "0" to each tasks file) are not affected.
        string unified = File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(" - ")).Where(p => p[1].StartsWith("cgroup2 ", StringComparison.Ordinal))
            .Select(p => p[0].Split(' ')[4]).FirstOrDefault() ?? throw new InvalidOperationException("this host has no cgroup2 hierarchy: the test needs one");
        string script = Path.Combine(Dir, "no-clone3.py");
        File.WriteAllText(script, NoClone3Script);
        string id = NewId();
        RuntimeSpec spec = Spec("sh", "-c", "cat /proc/self/cgroup");
        spec.Linux!.Namespaces!.RemoveAll(n => n.Type == "cgroup"); // the host's paths, not the namespace's "/"
        WriteConfig(spec);

        LcrunResult result = LcrunIn(Bundle, ["run", id], wrapper: $"python3 '{script}'");

        result.ExitCode.Should().Be(0, result.ToString());
        string[] lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCountGreaterThan(1);
        lines.Should().OnlyContain(l => l.EndsWith("/" + id, StringComparison.Ordinal), $"every hierarchy, the unified one ({unified}) too");
        lines.Should().Contain(l => l.StartsWith("0::", StringComparison.Ordinal));
    }

    /// <summary>Installs a seccomp filter (clone3, nr 435 on x86-64 and arm64: ENOSYS) and execs its arguments.</summary>
    private const string NoClone3Script = """
        import ctypes, os, struct, sys
        libc = ctypes.CDLL(None, use_errno=True)
        # ld [nr]; jeq 435 ? next : allow; ret ERRNO(ENOSYS); ret ALLOW
        program = struct.pack("HBBI" * 4, 0x20, 0, 0, 0, 0x15, 0, 1, 435, 0x06, 0, 0, 0x00050000 | 38, 0x06, 0, 0, 0x7FFF0000)
        buffer = ctypes.create_string_buffer(program)
        class Fprog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
        fprog = Fprog(4, ctypes.addressof(buffer))
        if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
            raise OSError(ctypes.get_errno(), "seccomp")
        os.execv(sys.argv[1], sys.argv[1:])
        """;

    [Fact]
    public void Create_ExistingId_RuncMessage()
    {
        string id = NewId();
        Ok("create", id);

        LcrunResult result = Lcrun("create", id);

        result.ExitCode.Should().Be(1);
        result.Stderr.Should().Contain("container with given ID already exists");
    }

    private void WaitForStatus(string id, string status)
    {
        for (int i = 0; i < 100 && Status(id) != status; i++)
        {
            Thread.Sleep(50);
        }
        Status(id).Should().Be(status);
    }
}
