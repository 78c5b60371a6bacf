using System.Globalization;

namespace Lcrun.Io;

/// <summary>runc's createPidFile: the pid written to ".name" beside the target, then renamed over it, so readers never see half a file.</summary>
internal static class PidFile
{
    public static void Write(string path, int pid)
    {
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full));
        using (var file = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = (UnixFileMode)Convert.ToInt32("666", 8),
        }))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(pid.ToString(CultureInfo.InvariantCulture)));
        }
        File.Move(temp, full, overwrite: true);
    }
}
