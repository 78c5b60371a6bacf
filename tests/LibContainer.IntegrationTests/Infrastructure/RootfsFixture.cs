using LibContainer.Samples;

[assembly: AssemblyFixture(typeof(LibContainer.IntegrationTests.Infrastructure.RootfsFixture))]

namespace LibContainer.IntegrationTests.Infrastructure;

/// <summary>One busybox root filesystem for the whole run, read-only to the tests that share it.</summary>
public sealed class RootfsFixture : IDisposable
{
    public RootfsFixture()
    {
        WorkDir = Directory.CreateTempSubdirectory("libcontainer-it-").FullName;
        // Traversable by ids that user-namespace tests map root to (a temp dir is 0700).
        File.SetUnixFileMode(WorkDir, (UnixFileMode)Convert.ToInt32("755", 8));
        if (BusyboxRootfs.IsAvailable())
        {
            Rootfs = BusyboxRootfs.Create(Path.Combine(WorkDir, "rootfs"));
        }
    }

    /// <summary>A temp directory removed after the run.</summary>
    public string WorkDir { get; }

    /// <summary>The shared rootfs, or null without busybox (tests then skip through <see cref="Require"/>).</summary>
    public string? Rootfs { get; }

    /// <summary>A private rootfs for a test that changes it.</summary>
    public string CreatePrivateRootfs() => BusyboxRootfs.Create(Path.Combine(WorkDir, $"rootfs-{Guid.NewGuid():N}"));

    public void Dispose() => Directory.Delete(WorkDir, recursive: true);
}
