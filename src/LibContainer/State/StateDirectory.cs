using System.Collections.Concurrent;
using LibContainer.Spec;
using LibContainer.Interop;
using Tmds.Linux;

namespace LibContainer.State;

/// <summary>
/// One container's directory under the state root: state.json (written atomically), the exec fifo,
/// and an flock on the directory itself that keeps two processes from changing the container at once.
/// </summary>
internal sealed class StateDirectory
{
    public const string StateFileName = "state.json";
    public const string ConfigFileName = "config.json";

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> s_inProcessLocks = new(StringComparer.Ordinal);
    public const string FifoName = "exec.fifo";

    private StateDirectory(string root, string id)
    {
        Id = id;
        Path = System.IO.Path.Combine(root, id);
    }

    public string Id { get; }

    public string Path { get; }

    public string StateFile => System.IO.Path.Combine(Path, StateFileName);

    public string FifoPath => System.IO.Path.Combine(Path, FifoName);

    public string ConfigFile => System.IO.Path.Combine(Path, ConfigFileName);

    public bool Exists => Directory.Exists(Path);

    /// <summary>Makes the directory of a new container; an existing one means the id is taken.</summary>
    public static StateDirectory Create(string root, string id)
    {
        Directory.CreateDirectory(root);
        var dir = new StateDirectory(root, id);
        int errno = Sys.Mkdir(dir.Path, Convert.ToUInt32("711", 8));
        if (errno == LibC.EEXIST)
        {
            throw new ContainerAlreadyExistsException(id, root);
        }
        if (errno != 0)
        {
            throw new SyscallException("mkdir", errno, dir.Path);
        }
        return dir;
    }

    public static StateDirectory Open(string root, string id) => new(root, id);

    /// <summary>The directories with an entry in the in-process lock table (tests and the soak benchmark: it must not grow).</summary>
    internal static ICollection<string> LockTableEntries => s_inProcessLocks.Keys;

    /// <summary>
    /// Takes the container's lock, waiting for another holder; null if the directory is gone. Within
    /// this process holders queue on a semaphore (no polling); between processes, an flock on the
    /// directory, polled with a short backoff.
    /// </summary>
    public async Task<IDisposable?> LockAsync(CancellationToken cancellationToken)
    {
        SemaphoreSlim local = s_inProcessLocks.GetOrAdd(Path, static _ => new SemaphoreSlim(1, 1));
        await local.WaitAsync(cancellationToken).ConfigureAwait(false);
        SafeFd? fd = null;
        try
        {
            fd = Sys.TryOpen(Path, LibC.O_RDONLY | LibC.O_DIRECTORY, out _);
            if (fd is null)
            {
                // Gone (destroyed meanwhile; an exit record comes after the delete): the entry this
                // call added must not stay, else every such late caller leaks one.
                s_inProcessLocks.TryRemove(KeyValuePair.Create(Path, local));
                local.Release();
                return null;
            }
            int delayMs = 1;
            while (!Sys.TryLockExclusive(fd))
            {
                await Task.Delay(delayMs, cancellationToken).ConfigureAwait(false);
                delayMs = Math.Min(delayMs * 2, 20);
            }
            return new Lock(fd, local);
        }
        catch
        {
            fd?.Dispose();
            local.Release();
            throw;
        }
    }

    /// <summary>
    /// Whether an operation holds the container's lock now (a create holds it from its first write to
    /// ready). A directory left in the creating phase whose lock nobody holds is a create that died.
    /// </summary>
    public bool IsLocked()
    {
        using SafeFd? fd = Sys.TryOpen(Path, LibC.O_RDONLY | LibC.O_DIRECTORY, out _);
        if (fd is null || !Sys.TryLockExclusive(fd))
        {
            return fd is not null;
        }
        Sys.Unlock(fd);
        return false;
    }

    public StoredState? TryRead()
    {
        try
        {
            return Sys.TryReadFile(StateFile) is { } json ? StoredState.Parse(json, StateFile) : null;
        }
        catch (Exception ex) when (ex is SpecValidationException or SyscallException)
        {
            throw new ContainerException($"Container '{Id}': {StateFile} cannot be read: {ex.Message}", ex);
        }
    }

    public StoredState Read() => TryRead() ?? throw new ContainerException($"Container '{Id}' has no readable {StateFile}.");

    public RuntimeSpec ReadConfig() => RuntimeSpec.Load(ConfigFile);

    /// <summary>config.json of the state directory: compact, for the library to read back (<see cref="SpecWriter.ToCompactUtf8"/>).</summary>
    public void WriteConfig(RuntimeSpec config) => WriteAtomically(ConfigFileName, SpecWriter.ToCompactUtf8(config));

    /// <summary>Writes state.json through a temporary file and rename, so a reader never sees half of it.</summary>
    public void Write(StoredState state) => WriteAtomically(StateFileName, state.ToUtf8Json());

    /// <remarks>
    /// A failed write (a full state file system) names the file and the state root, not the
    /// temporary file, and leaves no temporary file behind.
    /// </remarks>
    private void WriteAtomically(string name, byte[] content)
    {
        string temp = System.IO.Path.Combine(Path, $".{name}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp");
        try
        {
            File.WriteAllBytes(temp, content);
            File.Move(temp, System.IO.Path.Combine(Path, name), overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // The first error is the one to report.
            }
            throw new ContainerException(
                $"Container '{Id}': writing {name} under the state root {System.IO.Path.GetDirectoryName(Path)} failed: " +
                $"{SyscallException.Describe(Cgroups.CgroupFiles.ErrnoOf(ex))}.", ex);
        }
    }

    /// <summary>The attribute of the directory that holds the init's exit: "pid exitCode|-1 signal|-1".</summary>
    internal const string ExitAttribute = "user.libcontainer.exit";

    /// <summary>
    /// Records how the init (<paramref name="current"/>'s pid) ended, for another process that loads the
    /// container: an extended attribute of the directory (set once, atomically, in the inode: no new
    /// file, no block to allocate now and free at the destroy that usually follows, which on a file
    /// system mounted with discard waits for the disk). Where the attribute cannot be set (a file
    /// system without user attributes, such as tmpfs before Linux 6.6, or one without room for it)
    /// state.json is rewritten with the exit instead. Either is written once: a second record changes
    /// nothing. Call with the lock held.
    /// </summary>
    public void RecordExit(StoredState current, ExitStatus status)
    {
        string value = FormattableString.Invariant($"{current.Pid} {status.ExitCode ?? -1} {status.Signal ?? -1}");
        int errno = Sys.CreateXattr(Path, ExitAttribute, System.Text.Encoding.ASCII.GetBytes(value));
        if (errno != 0 && errno != LibC.EEXIST && current.ExitCode is null && current.ExitSignal is null)
        {
            // No user attributes here (EOPNOTSUPP), no room for one (ENOSPC, EDQUOT), or refused: the file.
            Write(current with { ExitCode = status.ExitCode, ExitSignal = status.Signal });
        }
    }

    /// <summary>The recorded exit of the init <paramref name="state"/> names: state.json's, else the directory's attribute.</summary>
    public ExitStatus? RecordedExit(StoredState state)
    {
        if (state.ExitCode is int code)
        {
            return ExitStatus.FromExitCode(code);
        }
        if (state.ExitSignal is int signal)
        {
            return ExitStatus.FromSignal(signal, coreDumped: false);
        }
        if (state.Pid <= 0 || Sys.TryGetXattr(Path, ExitAttribute) is not { } raw)
        {
            return null;
        }
        string[] fields = System.Text.Encoding.ASCII.GetString(raw).Split(' ');
        return fields.Length == 3
            && int.TryParse(fields[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid) && pid == state.Pid
            && int.TryParse(fields[1], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int exitCode)
            && int.TryParse(fields[2], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int exitSignal)
            ? (exitCode >= 0 ? ExitStatus.FromExitCode(exitCode) : exitSignal > 0 ? ExitStatus.FromSignal(exitSignal, coreDumped: false) : null)
            : null;
    }

    public void Delete()
    {
        s_inProcessLocks.TryRemove(Path, out _); // waiters keep theirs, then find the directory gone
        try
        {
            // state.json last: a delete cut short leaves the record that lets the next one finish.
            foreach (string file in Directory.EnumerateFiles(Path).OrderBy(f => f.EndsWith(StateFileName, StringComparison.Ordinal)).ToList())
            {
                File.Delete(file);
                CrashPoint.Hit("destroy.delete-file");
            }
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private sealed class Lock(SafeFd fd, SemaphoreSlim local) : IDisposable
    {
        public void Dispose()
        {
            Sys.Unlock(fd);
            fd.Dispose();
            local.Release();
        }
    }
}
