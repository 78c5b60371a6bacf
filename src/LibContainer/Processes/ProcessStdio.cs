using LibContainer.Interop;
using Tmds.Linux;

namespace LibContainer.Processes;

/// <summary>A process's stdin, stdout and stderr as the init gets them: the caller's, /dev/null, or pipes.</summary>
internal sealed class ProcessStdio : IDisposable
{
    private readonly List<SafeFd> _childEnds = [];

    public List<(SafeFd Fd, int Target)> ChildFds { get; } = [];

    public Stream? ParentStdin { get; private set; }

    public Stream? ParentStdout { get; private set; }

    public Stream? ParentStderr { get; private set; }

    public static ProcessStdio Create(StdioMode stdin, StdioMode stdout, StdioMode stderr, bool terminal, ContainerOptions? files = null)
    {
        var stdio = new ProcessStdio();
        try
        {
            stdio._files = [files?.StdinFile, files?.StdoutFile, files?.StderrFile];
            if (terminal && (stdin == StdioMode.Pipe || stdout == StdioMode.Pipe || stderr == StdioMode.Pipe))
            {
                throw new ArgumentException("process.terminal is true, so the process's stdio is its terminal (IProcess.Terminal) and cannot be piped: " +
                    "set spec.Process.Terminal = false (RuntimeSpec.CreateDefault() sets it true, as `runc spec` does), or ask for no pipes and read IProcess.Terminal.");
            }
            // With a terminal the init starts on /dev/null; the pty replaces it before the program runs.
            stdio.ParentStdin = stdio.Add(terminal ? StdioMode.Null : stdin, 0, childReads: true);
            stdio.ParentStdout = stdio.Add(terminal ? StdioMode.Null : stdout, 1, childReads: false);
            stdio.ParentStderr = stdio.Add(terminal ? StdioMode.Null : stderr, 2, childReads: false);
            return stdio;
        }
        catch
        {
            stdio.Dispose();
            throw;
        }
    }

    private System.Runtime.InteropServices.SafeHandle?[] _files = [null, null, null];

    private FdStream? Add(StdioMode mode, int target, bool childReads)
    {
        switch (mode)
        {
            case StdioMode.File:
                System.Runtime.InteropServices.SafeHandle file = _files[target] is { IsInvalid: false, IsClosed: false } given ? given
                    : throw new ArgumentException($"{(target == 0 ? "Stdin" : target == 1 ? "Stdout" : "Stderr")} is StdioMode.File, so ContainerOptions.{(target == 0 ? "StdinFile" : target == 1 ? "StdoutFile" : "StderrFile")} must be an open file");
                ChildFds.Add((SafeFd.Borrow((int)file.DangerousGetHandle()), target));
                return null;
            case StdioMode.Inherit:
                ChildFds.Add((SafeFd.Borrow(target), target));
                return null;
            case StdioMode.Null:
                SafeFd devNull = Sys.Open("/dev/null", LibC.O_RDWR);
                _childEnds.Add(devNull);
                ChildFds.Add((devNull, target));
                return null;
            default:
                (SafeFd read, SafeFd write) = Sys.Pipe();
                SafeFd child = childReads ? read : write;
                _childEnds.Add(child);
                ChildFds.Add((child, target));
                return new FdStream(childReads ? write : read, write: childReads);
        }
    }

    public void CloseChildEnds()
    {
        foreach (SafeFd fd in _childEnds)
        {
            fd.Dispose();
        }
    }

    public void Dispose()
    {
        CloseChildEnds();
        ParentStdin?.Dispose();
        ParentStdout?.Dispose();
        ParentStderr?.Dispose();
    }
}
