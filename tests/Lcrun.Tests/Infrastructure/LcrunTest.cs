using System.Diagnostics;
using LibContainer.Spec;

namespace Lcrun.Tests.Infrastructure;

/// <summary>
/// The base of the tests that run lcrun against real containers: a state root of their own
/// (--root), a bundle on the shared busybox rootfs, and every container deleted at the end.
/// lcrun's stdio goes to files, not pipes: a detached container keeps what it inherited open.
/// </summary>
public abstract class LcrunTest : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    protected LcrunTest(LcrunFixture fixture)
    {
        Require.Root();
        Require.Busybox();
        Fixture = fixture;
        Dir = Path.Combine(fixture.WorkDir, Guid.NewGuid().ToString("N")[..12]);
        Root = Path.Combine(Dir, "state");
        Bundle = Path.Combine(Dir, "bundle");
        Directory.CreateDirectory(Bundle);
        WriteConfig(Spec("sleep", "100"));
    }

    protected LcrunFixture Fixture { get; }

    /// <summary>This test's own directory (state root, bundle, files).</summary>
    protected string Dir { get; }

    /// <summary>The --root every call uses.</summary>
    protected string Root { get; }

    protected string Bundle { get; }

    protected static string NewId() => $"lc-{Guid.NewGuid():N}"[..14];

    /// <summary>The default spec (runc spec's) on the shared read-only rootfs, without a terminal.</summary>
    protected RuntimeSpec Spec(params string[] args)
    {
        RuntimeSpec spec = RuntimeSpec.CreateDefault();
        spec.Root = new Root { Path = Fixture.Rootfs!, Readonly = true };
        spec.Process!.Terminal = false;
        spec.Process.Args = [.. args];
        return spec;
    }

    protected void WriteConfig(RuntimeSpec spec, string? bundle = null) =>
        File.WriteAllText(Path.Combine(bundle ?? Bundle, "config.json"), spec.ToJson());

    /// <summary>Runs lcrun --root Root ARGS in the bundle directory; stdin is /dev/null.</summary>
    protected LcrunResult Lcrun(params string[] args) => LcrunIn(Bundle, [.. args]);

    /// <summary>
    /// Runs lcrun ARGS in <paramref name="workingDirectory"/>: after the shell commands
    /// <paramref name="shellPrefix"/> (to open extra fds), under <paramref name="wrapper"/> (a
    /// command that ends by exec'ing its arguments) when given.
    /// </summary>
    protected LcrunResult LcrunIn(string workingDirectory, string[] args, string? shellPrefix = null, string? wrapper = null)
    {
        string stdout = Path.Combine(Dir, $"out-{Guid.NewGuid():N}");
        string stderr = Path.Combine(Dir, $"err-{Guid.NewGuid():N}");
        // sh redirects lcrun's stdio to files and can open extra fds for --preserve-fds tests.
        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = workingDirectory, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"{shellPrefix} exec {wrapper} \"$0\" --root \"$LCRUN_TEST_ROOT\" \"$@\" >\"$LCRUN_TEST_OUT\" 2>\"$LCRUN_TEST_ERR\" </dev/null");
        start.ArgumentList.Add(Fixture.Lcrun);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["LCRUN_TEST_ROOT"] = Root;
        start.Environment["LCRUN_TEST_OUT"] = stdout;
        start.Environment["LCRUN_TEST_ERR"] = stderr;
        using System.Diagnostics.Process process = System.Diagnostics.Process.Start(start)!;
        if (!process.WaitForExit(s_timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"lcrun {string.Join(' ', args)} did not finish in {s_timeout.TotalSeconds} s");
        }
        var result = new LcrunResult(process.ExitCode, File.ReadAllText(stdout), File.ReadAllText(stderr));
        File.Delete(stdout);
        File.Delete(stderr);
        return result;
    }

    /// <summary>Runs lcrun and requires success.</summary>
    protected LcrunResult Ok(params string[] args)
    {
        LcrunResult result = Lcrun(args);
        result.ExitCode.Should().Be(0, $"lcrun {string.Join(' ', args)} should succeed ({result})");
        return result;
    }

    /// <summary>The status field of `lcrun state ID`.</summary>
    protected string Status(string id) => System.Text.Json.JsonDocument.Parse(Ok("state", id).Stdout).RootElement.GetProperty("status").GetString()!;

    public virtual void Dispose()
    {
        if (Directory.Exists(Root))
        {
            foreach (string id in Lcrun("list", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Lcrun("delete", "-f", id);
            }
        }
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
