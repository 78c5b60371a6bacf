using System.Diagnostics;
using LibContainer.IntegrationTests.Infrastructure;

namespace LibContainer.IntegrationTests;

/// <summary>
/// The library without root: the sample (a host of the public API) runs as an unprivileged user the
/// test creates. Its container gets a user namespace that maps that user to root, no cgroups, and
/// the host's devices bound in.
/// </summary>
public sealed class RootlessTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    private const string User = "lc-rootless";

    [Fact]
    public async Task Sample_AsUnprivilegedUser_RunsAContainer()
    {
        EnsureUser();
        // A copy any user can read: the build output may sit below a directory only root may enter.
        string app = Directory.CreateTempSubdirectory("lc-rootless-app-").FullName;
        string home = Directory.CreateTempSubdirectory("lc-rootless-home-").FullName;
        try
        {
            string built = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "LibContainer.Sample", new DirectoryInfo(AppContext.BaseDirectory).Name));
            CopyDirectory(built, app);
            Run("chmod", "-R", "a+rX", app);
            Run("chown", $"{User}:{User}", home);
            string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

            var start = new ProcessStartInfo("setpriv", ["--reuid", User, "--regid", User, "--clear-groups", "env", $"HOME={home}", dotnet, Path.Combine(app, "LibContainer.Sample.dll")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = home,
            };
            using Process sample = Process.Start(start)!;
            Task<string> stdout = sample.StandardOutput.ReadToEndAsync(Token);
            Task<string> stderr = sample.StandardError.ReadToEndAsync(Token);
            await sample.WaitForExitAsync(Token);

            (await stderr).Should().BeEmpty();
            sample.ExitCode.Should().Be(0);
            (await stdout).Should().Contain("hello from sample, I am pid 1").And.Contain("container exited: exit code 0");
        }
        finally
        {
            Directory.Delete(app, recursive: true);
            Directory.Delete(home, recursive: true);
        }
    }

    private static void EnsureUser()
    {
        if (!File.ReadAllLines("/etc/passwd").Any(l => l.StartsWith(User + ":", StringComparison.Ordinal)))
        {
            Run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", User);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    private static void Run(string program, params string[] args)
    {
        using Process process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true })!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.Should().Be(0, $"{program} {string.Join(' ', args)}: {error}");
    }
}
