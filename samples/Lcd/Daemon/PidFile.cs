using System.Globalization;

namespace Lcd.Daemon;

/// <summary>
/// The daemon's pid file, as dockerd keeps it: refused while the pid it names is a live lcd, taken
/// over when it is stale (a daemon killed with SIGKILL leaves it), removed at a clean exit.
/// </summary>
internal sealed class PidFile : IDisposable
{
    public string Path { get; }

    private PidFile(string path) => Path = path;

    public static PidFile Acquire(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        if (File.Exists(path)
            && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            && pid != Environment.ProcessId
            && IsLcd(pid))
        {
            throw new DaemonConfigException($"pid file found, ensure lcd is not running or delete {path} (it names pid {pid}, which is running)");
        }
        string temp = path + ".tmp";
        File.WriteAllText(temp, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        File.Move(temp, path, overwrite: true);
        return new PidFile(path);
    }

    /// <summary>A live process whose command line names lcd (a pid reused by another program does not block a start).</summary>
    private static bool IsLcd(int pid)
    {
        try
        {
            string[] argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            return argv.Take(2).Any(a => System.IO.Path.GetFileNameWithoutExtension(a) == "lcd");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (File.Exists(Path) && File.ReadAllText(Path).Trim() == Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            File.Delete(Path);
        }
    }
}
