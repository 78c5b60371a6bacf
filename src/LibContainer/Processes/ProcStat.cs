using System.Globalization;
using LibContainer.Interop;

namespace LibContainer.Processes;

/// <summary>The fields of /proc/&lt;pid&gt;/stat the library needs: name, state, parent and start time.</summary>
internal readonly record struct ProcStat(int Pid, char State, int ParentPid, ulong StartTime, string Comm = "")
{
    /// <summary>The name lc-init gives its stages (prctl PR_SET_NAME, "lc:[1:CHILD]"); exec replaces it with the program's.</summary>
    public const string NativeInitPrefix = "lc:[";

    /// <summary>A zombie or dead process: it has exited, whether or not it was reaped.</summary>
    public bool HasExited => State is 'Z' or 'X' or 'x';

    /// <summary>Still the native init (it has not exec'd the user's program yet).</summary>
    public bool IsNativeInit => Comm.StartsWith(NativeInitPrefix, StringComparison.Ordinal);

    public static ProcStat? TryRead(int pid)
    {
        string? text;
        try
        {
            text = Sys.TryReadText($"/proc/{pid}/stat");
        }
        catch (SyscallException)
        {
            return null; // ESRCH when it exits between open and read
        }
        return text is null ? null : Parse(pid, text);
    }

    /// <summary>Parses the stat line; comm may hold spaces and parentheses, so fields count from the last ')'.</summary>
    public static ProcStat? Parse(int pid, string text)
    {
        int close = text.LastIndexOf(')');
        if (close < 0 || close + 2 >= text.Length)
        {
            return null;
        }
        string[] fields = text[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state); ppid is field 4; starttime is field 22.
        if (fields.Length < 20 || fields[0].Length == 0 ||
            !int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int ppid) ||
            !ulong.TryParse(fields[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong start))
        {
            return null;
        }
        int open = text.IndexOf('(', StringComparison.Ordinal);
        string comm = open >= 0 && open < close ? text[(open + 1)..close] : "";
        return new ProcStat(pid, fields[0][0], ppid, start, comm);
    }
}
