namespace LibContainer.Testing;

/// <summary>Whether the criu on PATH is one that works here: version 4 or later (Debian 12's 3.17 fails on kernels from 6.13).</summary>
internal static class InstalledCriu
{
    private static readonly Lazy<bool> s_works = new(() =>
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

    public static bool Works => s_works.Value;

    public const string Missing = "a working CRIU (version 4 or later) is not on PATH: sudo eng/criu-setup.sh builds and installs one";
}
