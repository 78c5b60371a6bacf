using System.Diagnostics;
using Process = System.Diagnostics.Process;
using LibContainer.Cgroups.V2;
using LibContainer.Interop;
using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Spec;
using Tmds.Linux;

namespace LibContainer.IntegrationTests.Cgroups;

/// <summary>
/// The device filter in a real kernel: a child cgroup on the host's cgroup2 hierarchy gets the
/// program, a shell moves itself into the cgroup and opens devices. Any cgroup2 directory takes a
/// BPF_CGROUP_DEVICE program, whether or not a controller is enabled there.
/// </summary>
public sealed class DevicesV2Tests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private string? _cgroup;

    public void Dispose()
    {
        if (_cgroup is not null)
        {
            RemoveCgroup(_cgroup);
        }
    }

    [Fact]
    public async Task Apply_DenyAllThenDevNull_NullOpensZeroIsEperm()
    {
        string cgroup = CreateCgroup();
        new DevicesV2().Apply(cgroup, Resources(Deny(), Allow("c", 1, 3, "rw")));

        (string stdout, string stderr) = await RunInCgroupAsync(
            "cat /dev/null && echo null-read-ok; echo x > /dev/null && echo null-write-ok; head -c1 /dev/zero > /dev/null && echo zero-ok || echo zero-denied");

        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal("null-read-ok", "null-write-ok", "zero-denied");
        stderr.Should().Contain("/dev/zero").And.Contain("Operation not permitted");
    }

    [Fact]
    public async Task Apply_ReadOnlyRule_OpenForReadWriteIsEperm()
    {
        string cgroup = CreateCgroup();
        new DevicesV2().Apply(cgroup, Resources(Deny(), Allow("c", 1, 3, "r")));

        (string stdout, string stderr) = await RunInCgroupAsync(
            "cat /dev/null && echo read-ok; (: <> /dev/null) && echo rw-ok || echo rw-denied");

        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal("read-ok", "rw-denied");
        stderr.Should().Contain("Operation not permitted");
    }

    [Fact]
    public async Task Apply_Twice_ReplacesTheFirstProgram()
    {
        string cgroup = CreateCgroup();
        var controller = new DevicesV2();
        controller.Apply(cgroup, Resources(Deny(), Allow("c", 1, 3, "rw")));

        controller.Apply(cgroup, Resources(Deny(), Allow("c", 1, 3, "rw"), Allow("c", 1, 5, "r")));

        using (SafeFd dir = Sys.Open(cgroup, LibC.O_RDONLY | LibC.O_DIRECTORY))
        {
            Sys.BpfProgQuery(dir).Should().HaveCount(1, "a device must pass every attached program, so the old one must go");
        }
        (string stdout, _) = await RunInCgroupAsync("head -c1 /dev/zero > /dev/null && echo zero-ok || echo zero-denied");
        stdout.Trim().Should().Be("zero-ok");
    }

    [Fact]
    public void BpfProgLoad_EveryKindOfRule_VerifierAccepts()
    {
        Require.Root();
        LinuxDeviceCgroup[][] lists =
        [
            [],
            [new() { Allow = true }],
            [Deny(), new() { Allow = true, Type = "c", Major = -1, Minor = -1, Access = "m" }, Allow("c", 1, 3, "rwm"), Allow("c", 136, -1, "rwm")],
            [new() { Allow = true }, new() { Allow = false, Type = "b", Major = 8, Access = "w" }, new() { Allow = false, Type = "c", Minor = 3, Access = "rm" }],
            [Allow("c", uint.MaxValue, 0x80000000, "r"), Allow("b", 0x7FFFFFFF, 0, "rw")],
        ];

        foreach (LinuxDeviceCgroup[] rules in lists)
        {
            using SafeFd prog = Sys.BpfProgLoad(DeviceFilter.Compile(rules), DeviceFilter.License);
            prog.IsInvalid.Should().BeFalse();
        }
    }

    [Fact]
    public void BpfProgLoad_VerifierRejects_ExceptionCarriesTheLog()
    {
        Require.Root();
        // "exit" with r0 never set: the verifier refuses to read an uninitialised register.
        byte[] program = [0x95, 0, 0, 0, 0, 0, 0, 0];

        Action load = () => Sys.BpfProgLoad(program, DeviceFilter.License).Dispose();

        load.Should().Throw<SyscallException>()
            .Where(e => e.Syscall == "bpf(BPF_PROG_LOAD)" && e.Errno == LibC.EACCES)
            .WithMessage("*Verifier log:*R0 !read_ok*");
    }

    /// <summary>A new child cgroup of the host's cgroup2 root, removed by <see cref="Dispose"/>.</summary>
    private string CreateCgroup()
    {
        Require.Root();
        string root = Cgroup2Mount() ?? MissingCgroup2();
        _cgroup = Path.Combine(root, $"lc-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_cgroup);
        return _cgroup;
    }

    /// <summary>Runs <c>sh -c</c> with <paramref name="script"/> after the shell has moved itself into the test cgroup.</summary>
    private async Task<(string Stdout, string Stderr)> RunInCgroupAsync(string script)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"echo $$ > '{_cgroup!}/cgroup.procs' || exit 99; exec /bin/sh -c '{script.Replace("'", "'\\''", StringComparison.Ordinal)}'");

        using var cancel = new CancellationTokenSource(s_timeout);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancel.Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancel.Token);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw;
        }
        string err = await stderr;
        process.ExitCode.Should().NotBe(99, $"the shell must be able to join the cgroup: {err}");
        return (await stdout, err);
    }

    private static LinuxResources Resources(params LinuxDeviceCgroup[] rules) => new() { Devices = [.. rules] };

    private static LinuxDeviceCgroup Deny() => new() { Allow = false, Access = "rwm" };

    private static LinuxDeviceCgroup Allow(string type, long major, long minor, string access) =>
        new() { Allow = true, Type = type, Major = major, Minor = minor, Access = access };

    /// <summary>The first cgroup2 mount point in /proc/self/mountinfo: /sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host.</summary>
    private static string? Cgroup2Mount()
    {
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            int separator = line.IndexOf(" - ", StringComparison.Ordinal);
            if (separator > 0 && line[(separator + 3)..].StartsWith("cgroup2 ", StringComparison.Ordinal))
            {
                return line.Split(' ')[4].Replace("\\040", " ", StringComparison.Ordinal);
            }
        }
        return null;
    }

    private static string MissingCgroup2()
    {
        const string reason = "no cgroup2 hierarchy is mounted (mount -t cgroup2 none /sys/fs/cgroup/unified)";
        if (Require.Strict)
        {
            Assert.Fail($"{reason} ({Require.Variable}=1 turns this skip into a failure)");
        }
        Assert.Skip(reason);
        return null!;
    }

    /// <summary>rmdir of the test cgroup; its processes have exited, but the kernel may take a moment to notice.</summary>
    private static void RemoveCgroup(string path)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(path);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException) when (attempt < 50)
            {
                Thread.Sleep(100);
            }
        }
    }
}
