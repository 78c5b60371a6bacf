namespace Lcd.Tests.Infrastructure;

/// <summary>
/// Preconditions of the tests that run the daemon and real clients. A missing one skips the test
/// with its reason; with LIBCONTAINER_REQUIRE_ALL=1 (CI) it fails instead, so CI proves the whole
/// suite ran.
/// </summary>
internal static class Require
{
    public const string Variable = "LIBCONTAINER_REQUIRE_ALL";

    public static void Root()
    {
        if (Environment.UserName != "root")
        {
            Missing("lcd listens on root-owned sockets and makes containers: these tests need root");
        }
    }

    /// <summary>Debian's docker CLI (docker.io; only the client is used, dockerd is never started).</summary>
    public static string DockerCli()
    {
        string cli = Environment.GetEnvironmentVariable("DOCKER_CLI") is { Length: > 0 } configured ? configured : "/usr/bin/docker";
        if (!File.Exists(cli))
        {
            Missing($"{cli} is missing: apt-get install -y docker.io (only its docker client is used)");
        }
        return cli;
    }

    public static void Busybox()
    {
        if (!File.Exists("/bin/busybox"))
        {
            Missing("/bin/busybox is missing: apt-get install -y busybox-static");
        }
    }

    /// <summary>A Debian tool the test drives (skopeo, docker-registry, htpasswd); returns its path.</summary>
    public static string Tool(string path, string package)
    {
        if (!File.Exists(path))
        {
            Missing($"{path} is missing: apt-get install -y {package}");
        }
        return path;
    }

    private static void Missing(string reason)
    {
        if (Environment.GetEnvironmentVariable(Variable) == "1")
        {
            Assert.Fail($"{reason} ({Variable}=1 turns this skip into a failure)");
        }
        Assert.Skip(reason);
    }
}
