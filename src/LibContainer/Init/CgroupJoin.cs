using LibContainer.Interop;
using Tmds.Linux;

namespace LibContainer.Init;

/// <summary>
/// How a new process (a container's init, an exec) enters the container's cgroups without a
/// cgroup.procs write: it is born in the unified directory (clone3 with CLONE_INTO_CGROUP), and it
/// moves itself into each v1 hierarchy by writing "0" to that directory's tasks file.
/// </summary>
/// <remarks>
/// A cgroup.procs write (or a tasks write of any pid but the writer's own) takes the kernel's global
/// cgroup_threadgroup_rwsem for writing; the first writer after a quiet spell switches the lock's
/// readers (every fork and exit on the host) to their slow path and waits one RCU grace period for
/// it: 7-15 ms on a 2-vCPU VM, off-CPU, on every isolated create (crun pays it too). A process moving
/// its own single thread into a v1 cgroup, and a clone into a cgroup2 directory, take only the
/// lock's read side: 0.1 ms. The library opens the files (the kernel checks the opener's
/// credentials, so a child in a new user namespace may write them); the init gets them as fds from
/// <see cref="InitSession.CgroupFd"/> on, in <see cref="Files"/> order, and closes each once used.
/// When the kernel refuses the clone into the cgroup (no clone3, a seccomp filter, nsdelegate after
/// joining a cgroup namespace) the init clones plainly and says so with its pid; the library then
/// writes cgroup.procs of the unified directory itself.
/// </remarks>
internal sealed record CgroupJoin(string? UnifiedDirectory, IReadOnlyList<string> V1Directories)
{
    public const string TasksFile = "tasks";

    /// <summary>What the init gets, in fd order: the unified directory, then each v1 hierarchy's tasks file.</summary>
    public IEnumerable<string> Files =>
        (UnifiedDirectory is null ? [] : new[] { UnifiedDirectory }).Concat(V1Directories.Select(d => Path.Combine(d, TasksFile)));

    /// <summary>Opens <see cref="Files"/> (the directory O_PATH, the tasks files for writing), or none if one fails.</summary>
    public List<SafeFd> Open()
    {
        var fds = new List<SafeFd>();
        try
        {
            if (UnifiedDirectory is not null)
            {
                fds.Add(Sys.Open(UnifiedDirectory, LibC.O_PATH | LibC.O_DIRECTORY));
            }
            foreach (string directory in V1Directories)
            {
                fds.Add(Sys.Open(Path.Combine(directory, TasksFile), LibC.O_WRONLY));
            }
            return fds;
        }
        catch
        {
            fds.ForEach(f => f.Dispose());
            throw;
        }
    }
}
