namespace Lcrun.Tests.Infrastructure;

/// <summary>
/// Preconditions of the tests that start real containers. A missing one skips the test with its
/// reason; with LIBCONTAINER_REQUIRE_ALL=1 (CI) it fails instead, so CI proves the whole suite ran.
/// </summary>
internal static class Require
{
    public const string Variable = "LIBCONTAINER_REQUIRE_ALL";

    public static bool Strict => Environment.GetEnvironmentVariable(Variable) == "1";

    public static void Root()
    {
        if (Lcrun.Interop.ProcessCalls.GetEuid() != 0)
        {
            Missing("these tests start real containers through lcrun and need root");
        }
    }

    public static void Busybox()
    {
        if (!LibContainer.Samples.BusyboxRootfs.IsAvailable())
        {
            Missing($"{LibContainer.Samples.BusyboxRootfs.DefaultBusybox} is missing: apt-get install -y busybox-static");
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

    /// <summary>A program the test compares with or drives (runc, crun), installed by .ci/run.</summary>
    public static void Tool(string name, string package) => Missing($"{name} is not on PATH: apt-get install -y {package}");

    private static void Missing(string reason)
    {
        if (Strict)
        {
            Assert.Fail($"{reason} ({Variable}=1 turns this skip into a failure)");
        }
        Assert.Skip(reason);
    }
}
