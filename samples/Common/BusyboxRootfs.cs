// Shared by the samples, the tests and the benchmarks (linked into each, not a library API).
using System.Diagnostics;

namespace LibContainer.Samples;

/// <summary>A root filesystem made from a statically linked busybox: one binary and a link per applet.</summary>
internal static class BusyboxRootfs
{
    /// <summary>Debian's busybox-static installs here.</summary>
    public const string DefaultBusybox = "/bin/busybox";

    public static bool IsAvailable(string busybox = DefaultBusybox) => File.Exists(busybox);

    /// <summary>Builds the root filesystem at <paramref name="rootfs"/> (which must not exist yet).</summary>
    public static string Create(string rootfs, string busybox = DefaultBusybox)
    {
        if (!File.Exists(busybox))
        {
            throw new FileNotFoundException($"{busybox} not found: install Debian's busybox-static (apt-get install -y busybox-static).", busybox);
        }
        foreach (string dir in new[] { "bin", "dev", "etc", "proc", "sys", "tmp", "root", "mnt", "home" })
        {
            Directory.CreateDirectory(Path.Combine(rootfs, dir));
        }
        File.SetUnixFileMode(Path.Combine(rootfs, "tmp"), (UnixFileMode)Convert.ToInt32("1777", 8));
        string target = Path.Combine(rootfs, "bin", "busybox");
        File.Copy(busybox, target);
        foreach (string applet in Applets(busybox))
        {
            string link = Path.Combine(rootfs, "bin", applet);
            if (!File.Exists(link) && applet != "busybox")
            {
                File.CreateSymbolicLink(link, "busybox");
            }
        }
        File.WriteAllText(Path.Combine(rootfs, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
        File.WriteAllText(Path.Combine(rootfs, "etc", "group"), "root:x:0:\nnogroup:x:65534:\n");
        return rootfs;
    }

    private static string[] Applets(string busybox)
    {
        using var list = Process.Start(new ProcessStartInfo(busybox, "--list") { RedirectStandardOutput = true })!;
        string output = list.StandardOutput.ReadToEnd();
        list.WaitForExit();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
