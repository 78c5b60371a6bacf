namespace Lcd.Graph.Tests;

/// <summary>Preconditions; a missing one skips, or fails with LIBCONTAINER_REQUIRE_ALL=1 (CI).</summary>
internal static class Require
{
    public static void Root()
    {
        if (Environment.UserName != "root")
        {
            Missing("these tests make device nodes, chown files and mount overlayfs: they need root");
        }
    }

    public static void Tool(string path, string package)
    {
        if (!File.Exists(path))
        {
            Missing($"{path} is missing: apt-get install -y {package}");
        }
    }

    private static void Missing(string reason)
    {
        if (Environment.GetEnvironmentVariable("LIBCONTAINER_REQUIRE_ALL") == "1")
        {
            Assert.Fail($"{reason} (LIBCONTAINER_REQUIRE_ALL=1 turns this skip into a failure)");
        }
        Assert.Skip(reason);
    }
}
