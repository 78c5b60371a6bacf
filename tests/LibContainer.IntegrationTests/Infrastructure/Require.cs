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

    /// <summary>A file the test needs, with what installs it.</summary>
    public static void File(string path, string reason)
    {
        if (!System.IO.File.Exists(path))
        {
            Missing($"{path}: {reason}");
        }
    }

    /// <summary>A criu on PATH that works on this kernel.</summary>
    public static void Criu()
    {
        if (!LibContainer.Testing.InstalledCriu.Works)
        {
            Missing(LibContainer.Testing.InstalledCriu.Missing);
        }
    }

    private static void Missing(string reason)
    {
        if (Strict)
        {
            Assert.Fail($"{reason} ({Variable}=1 turns this skip into a failure)");
        }
        Assert.Skip(reason);
    }
}
