using System.Runtime.InteropServices;
using Tmds.Linux;

namespace LibContainer.Interop;

internal static unsafe partial class Sys
{
    private const short POSIX_SPAWN_SETSIGDEF = 0x04;
    private const short POSIX_SPAWN_SETSIGMASK = 0x08;
    private const int FileActionsSize = 256; // glibc: 80 bytes
    private const int SpawnAttrSize = 512;   // glibc: 336 bytes

    [LibraryImport("libc")]
    private static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_init(void* fileActions);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_destroy(void* fileActions);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_adddup2(void* fileActions, int fd, int newfd);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_init(void* attr);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_destroy(void* attr);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setflags(void* attr, short flags);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setsigmask(void* attr, sigset_t* mask);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setsigdefault(void* attr, sigset_t* mask);

    /// <summary>
    /// posix_spawn(3) (vfork + exec: safe from a multithreaded process) with <paramref name="fds"/>
    /// placed at their target numbers; every other fd stays close-on-exec. Signals are reset to their
    /// defaults and unblocked, since the .NET runtime ignores SIGPIPE and that would be inherited.
    /// </summary>
    internal static int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp,
        IReadOnlyList<(SafeFd Source, int Target)> fds)
    {
        int maxTarget = 2;
        foreach ((_, int target) in fds)
        {
            maxTarget = Math.Max(maxTarget, target);
        }

        // A source sitting on another mapping's target number would be overwritten before its own
        // dup2: move such sources above every target first.
        var moved = new List<SafeFd>();
        var sources = new int[fds.Count];
        for (int i = 0; i < fds.Count; i++)
        {
            int fd = fds[i].Source.Fd;
            if (fd <= maxTarget && fd != fds[i].Target)
            {
                int high = LibC.fcntl(fd, LibC.F_DUPFD_CLOEXEC, maxTarget + 1);
                SyscallException.ThrowIfFailed(high, "fcntl(F_DUPFD_CLOEXEC)");
                moved.Add(new SafeFd(high));
                fd = high;
            }
            sources[i] = fd;
        }

        byte* actions = stackalloc byte[FileActionsSize];
        byte* attr = stackalloc byte[SpawnAttrSize];
        sigset_t mask;
        sigset_t defaults;
        using var args = new CStringArray(argv);
        using var env = new CStringArray(envp);
        byte[] p = CString(path);
        int pid = 0;
        int rc;
        Check(posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
        Check(posix_spawnattr_init(attr), "posix_spawnattr_init");
        try
        {
            for (int i = 0; i < fds.Count; i++)
            {
                Check(posix_spawn_file_actions_adddup2(actions, sources[i], fds[i].Target), "posix_spawn_file_actions_adddup2");
            }
            _ = LibC.sigemptyset(&mask);
            _ = LibC.sigfillset(&defaults);
            Check(posix_spawnattr_setsigmask(attr, &mask), "posix_spawnattr_setsigmask");
            Check(posix_spawnattr_setsigdefault(attr, &defaults), "posix_spawnattr_setsigdefault");
            Check(posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK), "posix_spawnattr_setflags");
            fixed (byte* pathPtr = p)
            {
                rc = posix_spawn(&pid, pathPtr, actions, attr, args.Pointer, env.Pointer);
            }
        }
        finally
        {
            _ = posix_spawn_file_actions_destroy(actions);
            _ = posix_spawnattr_destroy(attr);
            foreach (SafeFd fd in moved)
            {
                fd.Dispose();
            }
            GC.KeepAlive(fds);
        }
        if (rc != 0)
        {
            throw new SyscallException("posix_spawn", rc, path);
        }
        return pid;
    }

    /// <summary>The posix_spawn family returns an error number rather than setting errno.</summary>
    private static void Check(int rc, string call)
    {
        if (rc != 0)
        {
            throw new SyscallException(call, rc);
        }
    }

    /// <summary>A NULL-terminated array of C strings in native memory, for argv and envp.</summary>
    private sealed class CStringArray : IDisposable
    {
        private readonly nint[] _strings;

        public CStringArray(IReadOnlyList<string> values)
        {
            _strings = new nint[values.Count];
            Pointer = (byte**)NativeMemory.Alloc((nuint)(values.Count + 1), (nuint)sizeof(nint));
            for (int i = 0; i < values.Count; i++)
            {
                byte[] bytes = CString(values[i]);
                byte* s = (byte*)NativeMemory.Alloc((nuint)bytes.Length);
                bytes.CopyTo(new Span<byte>(s, bytes.Length));
                _strings[i] = (nint)s;
                Pointer[i] = s;
            }
            Pointer[values.Count] = null;
        }

        public byte** Pointer { get; }

        public void Dispose()
        {
            foreach (nint s in _strings)
            {
                NativeMemory.Free((void*)s);
            }
            NativeMemory.Free(Pointer);
        }
    }
}
