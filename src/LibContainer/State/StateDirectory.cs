using System.Text.Json;
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

    public bool Exists => Directory.Exists(Path);

    /// <summary>Makes the directory of a new container; an existing one means the id is taken.</summary>
    public static unsafe StateDirectory Create(string root, string id)
    {
        Directory.CreateDirectory(root);
        var dir = new StateDirectory(root, id);
        byte[] path = Sys.CString(dir.Path);
        fixed (byte* p = path)
        {
            if (LibC.mkdir(p, (mode_t)Convert.ToUInt32("711", 8)) < 0)
            {
                int errno = Sys.Errno;
                if (errno == LibC.EEXIST)
                {
                    throw new ArgumentException($"A container with id '{id}' already exists (state directory {dir.Path}).", nameof(id));
                }
                throw new SyscallException("mkdir", errno, dir.Path);
            }
        }
        return dir;
    }

    public static StateDirectory Open(string root, string id) => new(root, id);

    /// <summary>Takes the container's lock, waiting for another holder; null if the directory is gone.</summary>
    public async Task<IDisposable?> LockAsync(CancellationToken cancellationToken)
    {
        SafeFd? fd = Sys.TryOpen(Path, LibC.O_RDONLY | LibC.O_DIRECTORY, out _);
        if (fd is null)
        {
            return null;
        }
        int delayMs = 1;
        while (!Sys.TryLockExclusive(fd))
        {
            try
            {
                await Task.Delay(delayMs, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                fd.Dispose();
                throw;
            }
            delayMs = Math.Min(delayMs * 2, 50);
        }
        return new Lock(fd);
    }

    public StoredState? TryRead()
    {
        try
        {
            using FileStream stream = File.OpenRead(StateFile);
            return JsonSerializer.Deserialize(stream, StateJsonContext.Default.StoredState);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public StoredState Read() => TryRead() ?? throw new ContainerException($"Container '{Id}' has no readable {StateFile}.");

    /// <summary>Writes state.json through a temporary file and rename, so a reader never sees half of it.</summary>
    public void Write(StoredState state)
    {
        string temp = System.IO.Path.Combine(Path, $".{StateFileName}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp");
        using (FileStream stream = new(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, state, StateJsonContext.Default.StoredState);
        }
        File.Move(temp, StateFile, overwrite: true);
    }

    public void Delete()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private sealed class Lock(SafeFd fd) : IDisposable
    {
        public void Dispose()
        {
            Sys.Unlock(fd);
            fd.Dispose();
        }
    }
}
