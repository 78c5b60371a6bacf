namespace LibContainer.IntegrationTests.Infrastructure;

/// <summary>
/// Preconditions of the real-kernel tests. A missing one skips the test with its reason; with
/// LIBCONTAINER_REQUIRE_ALL=1 (set by .ci/run) it fails instead, so CI proves the whole suite ran.
/// </summary>
internal static class Require
{
    public const string Variable = "LIBCONTAINER_REQUIRE_ALL";

    public static bool Strict => Environment.GetEnvironmentVariable(Variable) == "1";

    public static void Root()
    {
        if (Environment.UserName != "root" && Tmds.Linux.LibC.geteuid() != 0)
        {
            Missing("these tests start real containers and need root");
        }
    }

    public static void Busybox()
    {
        if (!Samples.BusyboxRootfs.IsAvailable())
        {
            Missing($"{Samples.BusyboxRootfs.DefaultBusybox} is missing: apt-get install -y busybox-static");
        }
    }

    /// <summary>A criu on PATH that is version 4 or later (Debian 12's 3.17 fails on kernels from 6.13).</summary>
    public static void Criu()
    {
        if (!s_criu.Value)
        {
            Missing("a working CRIU (version 4 or later) is not on PATH: sudo eng/criu-setup.sh builds and installs one");
        }
    }

    private static readonly Lazy<bool> s_criu = new(() =>
    {
        try
        {
            using var criu = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("criu", "--version") { RedirectStandardOutput = true });
            string output = criu!.StandardOutput.ReadToEnd();
            criu.WaitForExit();
            string? major = output.Split('\n').FirstOrDefault(l => l.StartsWith("Version:", StringComparison.Ordinal))?["Version:".Length..].Trim().Split('.')[0];
            return int.TryParse(major, out int version) && version >= 4;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    private static void Missing(string reason)
    {
        if (Strict)
        {
            Assert.Fail($"{reason} ({Variable}=1 turns this skip into a failure)");
        }
        Assert.Skip(reason);
    }
}
