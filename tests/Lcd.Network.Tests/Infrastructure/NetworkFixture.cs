using LibContainer.Samples;

[assembly: AssemblyFixture(typeof(Lcd.Network.Tests.Infrastructure.NetworkFixture))]
// The tests compare host-wide state (links, iptables, mounts) before and after: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Lcd.Network.Tests.Infrastructure;

/// <summary>
/// One busybox rootfs for the run, and a test-unique prefix for every bridge and network, so that
/// parallel runs on one machine never share a name.
/// </summary>
public sealed class NetworkFixture : IDisposable
{
    public NetworkFixture()
    {
        WorkDir = Directory.CreateTempSubdirectory("lcd-network-it-").FullName;
        File.SetUnixFileMode(WorkDir, (UnixFileMode)Convert.ToInt32("755", 8));
        Prefix = $"lt{Guid.NewGuid():N}"[..6];
        if (BusyboxRootfs.IsAvailable())
        {
            Rootfs = BusyboxRootfs.Create(Path.Combine(WorkDir, "rootfs"));
        }
    }

    public string WorkDir { get; }

    /// <summary>Bridges are PREFIX0 and PREFIX-xxxxxxxx (15 characters).</summary>
    public string Prefix { get; }

    public string? Rootfs { get; }

    /// <summary>Whether the plugins' global chains exist yet (they stay, as with containerd and nerdctl).</summary>
    public bool WarmedUp { get; set; }

    public void Dispose() => Directory.Delete(WorkDir, recursive: true);
}
