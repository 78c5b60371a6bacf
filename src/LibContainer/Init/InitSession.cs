using System.Buffers.Binary;
using System.Runtime.InteropServices;
using LibContainer.Interop;
using LibContainer.Processes;
using LibContainer.Security;
using LibContainer.Spec;
using Tmds.Linux;

namespace LibContainer.Init;

/// <summary>What the native init says (lc.h enum lc_msg_type).</summary>
internal enum InitMessageType : uint
{
    Pid = 1,
    Ready = 2,
    Error = 3,
    Go = 4,
    Console = 5,
    Hooks = 6,
    Seccomp = 7,
}

/// <summary>
/// One message of the init: 16 bytes, and for <see cref="InitMessageType.Console"/> the pty master.
/// <see cref="Detail"/> of <see cref="InitMessageType.Pid"/>: 1 when the process was born in the
/// unified cgroup (<see cref="CgroupJoin"/>).
/// </summary>
internal readonly record struct InitMessage(InitMessageType Type, int Step, int Value, SafeFd? Fd, int Detail = 0);

/// <summary>
/// One run of the native init, for create and for exec alike: spawn it with the stdio, extra files,
/// socket and exec fifo in place, send the plan, then exchange messages until it is ready. The
/// socket is non-blocking and waits on <see cref="FdPoller"/>; fds come back with SCM_RIGHTS.
/// </summary>
internal sealed class InitSession : IDisposable
{
    private const int MessageSize = 16;
    private const int ChunkSize = 64 * 1024;

    private readonly SafeFd _socket;
    private readonly string _id;
    private Task<ExitStatus>? _stage0Exit;
    private readonly TimeSpan _synchronousWait;

    private InitSession(SafeFd socket, string id, InitPlan plan, int stage0, TimeSpan synchronousWait)
    {
        _socket = socket;
        _id = id;
        Plan = plan;
        Stage0Pid = stage0;
        _synchronousWait = synchronousWait;
    }

    public InitPlan Plan { get; }

    /// <summary>The spawned init (stage 0), which exits once it has cloned the container's process.</summary>
    public int Stage0Pid { get; }

    /// <remarks>
    /// Watched from the first ask (after ready, or when the session is disposed), not from the
    /// spawn: stage 0 exits right after it sends the pid, so by then waitid(WNOHANG) reaps it at
    /// once, where a watch started earlier would wait on the poller and reap on a thread-pool
    /// thread. Its death before the pid shows anyway: the socket ends.
    /// </remarks>
    public Task<ExitStatus> Stage0Exit => _stage0Exit ??= Reaper.Shared.WatchAsync(Stage0Pid, startTime: 0);

    /// <summary>The fd number of the init socket when <paramref name="extraFiles"/> fds are passed from 3 on.</summary>
    public static int SocketFd(int extraFiles) => 3 + extraFiles;

    /// <summary>The fd number of the exec fifo in the init.</summary>
    public static int FifoFd(int extraFiles) => 4 + extraFiles;

    /// <summary>The fd number of the <paramref name="index"/>th file of a <see cref="CgroupJoin"/> in the init.</summary>
    public static int CgroupFd(int extraFiles, int index) => 5 + extraFiles + index;

    /// <summary>
    /// Spawns lc-init: fds 0-2 from <paramref name="stdio"/>, the extra files from 3 on, then the
    /// socket, then (for create) the exec fifo, then the <see cref="CgroupJoin"/>'s files. Every
    /// other fd stays behind (close-on-exec).
    /// </summary>
    public static InitSession Spawn(string initPath, string id, InitPlan plan, IReadOnlyList<(SafeFd Fd, int Target)> stdio,
        IReadOnlyList<SafeHandle> extraFiles, SafeFd? fifo, IReadOnlyList<SafeFd> cgroupFds, TimeSpan synchronousWait)
    {
        (SafeFd parent, SafeFd child) = Sys.SocketPair();
        using (child)
        {
            try
            {
                Sys.SetNonBlocking(parent);
                var fds = new List<(SafeFd, int)>(stdio);
                for (int i = 0; i < extraFiles.Count; i++)
                {
                    fds.Add((SafeFd.Borrow((int)extraFiles[i].DangerousGetHandle()), 3 + i));
                }
                int socketFd = SocketFd(extraFiles.Count);
                fds.Add((child, socketFd));
                if (fifo is not null)
                {
                    fds.Add((fifo, FifoFd(extraFiles.Count)));
                }
                for (int i = 0; i < cgroupFds.Count; i++)
                {
                    fds.Add((cgroupFds[i], CgroupFd(extraFiles.Count, i)));
                }
                // The sealed copy of lc-init is executed as /proc/self/fd/N with N above every fd placed
                // here (lc-init makes it close-on-exec with everything above the socket).
                string executable = initPath;
                if (NativeInit.CopyAt(initPath) is SafeFd copy)
                {
                    int target = fds.Max(f => f.Item2) + 1;
                    fds.Add((copy, target));
                    executable = $"/proc/self/fd/{target}";
                }
                // CLONE_PARENT makes the container's init the child of the thread that spawned lc-init: one
                // that dies with its parent needs a thread that lives as long as the process.
                Func<int> spawn = () => Sys.Spawn(executable, [NativeInit.FileName], [$"_LIBCONTAINER_INITPIPE={socketFd}"], fds);
                int stage0 = plan.Steps.Any(s => s.Op == InitOp.ParentDeathSignal) ? HostThread.Run(spawn) : spawn();
                GC.KeepAlive(extraFiles);
                return new InitSession(parent, id, plan, stage0, synchronousWait);
            }
            catch
            {
                parent.Dispose();
                throw;
            }
        }
    }

    public async Task SendPlanAsync(CancellationToken cancellationToken)
    {
        byte[] payload = Plan.Encode();
        for (int at = 0; at < payload.Length; at += ChunkSize)
        {
            await SendAsync(payload.AsMemory(at, Math.Min(ChunkSize, payload.Length - at)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Says go; <paramref name="hookStates"/> (createContainer and startContainer state JSON) follow
    /// when given, then the id-mapped mounts (<paramref name="mountFds"/>) as SCM_RIGHTS.
    /// </summary>
    public async Task SendGoAsync(byte[]? hookStates, CancellationToken cancellationToken, IReadOnlyList<SafeFd>? mountFds = null)
    {
        byte[] go = new byte[MessageSize];
        BinaryPrimitives.WriteUInt32LittleEndian(go, (uint)InitMessageType.Go);
        BinaryPrimitives.WriteInt32LittleEndian(go.AsSpan(8), hookStates?.Length ?? 0);
        BinaryPrimitives.WriteInt32LittleEndian(go.AsSpan(12), mountFds?.Count ?? 0);
        await SendAsync(go, [], cancellationToken).ConfigureAwait(false);
        if (hookStates is { Length: > 0 })
        {
            await SendAsync(hookStates, [], cancellationToken).ConfigureAwait(false);
        }
        if (mountFds is { Count: > 0 })
        {
            await SendAsync(new byte[1], mountFds, cancellationToken).ConfigureAwait(false);
        }
    }

    private Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) => SendAsync(message, [], cancellationToken);

    private async Task SendAsync(ReadOnlyMemory<byte> message, IReadOnlyList<SafeFd> fds, CancellationToken cancellationToken)
    {
        while (true)
        {
            int n = Sys.SendMessage(_socket, message.Span, fds);
            if (n >= 0)
            {
                return;
            }
            if (-n != LibC.EAGAIN)
            {
                throw new ContainerStartException(_id, $"sending to the init failed: {SyscallException.Describe(-n)}");
            }
            await FdPoller.WaitBlockingFirstAsync(_socket, write: true, _synchronousWait, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The next message; an error report becomes the exception that names the failed step.</summary>
    public async Task<InitMessage> ReceiveAsync(CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[MessageSize];
        while (true)
        {
            int n = Sys.ReceiveMessage(_socket, buffer, out SafeFd? fd);
            if (n == -LibC.EAGAIN)
            {
                await FdPoller.WaitBlockingFirstAsync(_socket, write: false, _synchronousWait, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (n < 0)
            {
                throw new ContainerStartException(_id, $"reading from the init failed: {SyscallException.Describe(-n)}");
            }
            if (n == 0)
            {
                throw new ContainerStartException(_id, "the init exited without reporting (see its stderr)");
            }
            if (n != MessageSize)
            {
                fd?.Dispose();
                throw new ContainerStartException(_id, $"the init sent a message of {n} bytes");
            }
            var type = (InitMessageType)BinaryPrimitives.ReadUInt32LittleEndian(buffer);
            int step = (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(4));
            int value = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(8));
            int detail = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(12));
            if (type == InitMessageType.Error)
            {
                fd?.Dispose();
                throw Failure(_id, Plan, step, value, detail);
            }
            return new InitMessage(type, step, value, fd, detail);
        }
    }

    /// <summary>The exception for a failed step: its text, its spec field, errno, and a hint when the cause is known.</summary>
    public static ContainerStartException Failure(string id, InitPlan plan, int step, int errno, int detail) =>
        new(id, step, plan.Describe(step), errno, Hint(plan, step, errno, detail));

    private static string? Hint(InitPlan plan, int step, int errno, int detail)
    {
        if (step < 0 || step >= plan.Count)
        {
            return null;
        }
        InitStep s = plan.Steps[step];
        return s.Op switch
        {
            InitOp.SetRlimit when errno == LibC.EPERM =>
                $"Raising {Rlimits.Name((int)s.A)} above the current hard limit needs CAP_SYS_RESOURCE, which this process lacks.",
            InitOp.LookupExec when errno == LibC.ENOENT => $"The executable '{s.Path}' is not in the container's root filesystem.",
            InitOp.LookupExec when errno == LibC.EACCES => $"'{s.Path}' is not an executable file for the container's user.",
            InitOp.Chdir when errno == LibC.ENOENT => $"The working directory {s.Path} does not exist in the container.",
            InitOp.SetNs when errno == LibC.ENOENT => $"The namespace file {s.Path} does not exist.",
            InitOp.SetNs when errno == LibC.EINVAL => WrongNamespaceType(s),
            InitOp.RunHook when errno == LibC.ETIMEDOUT => $"The hook {s.Path} did not finish within its timeout and was killed.",
            InitOp.RunHook when errno == LibC.ECANCELED => $"The hook {s.Path} failed: {DescribeWaitStatus(detail)}.",
            _ => null,
        };
    }

    /// <summary>setns(2) says EINVAL when the file is a namespace of another type (or none): say which.</summary>
    private static string WrongNamespaceType(InitStep s)
    {
        var wanted = (LinuxNamespaceType)s.A;
        long? actual = s.Path is null ? null : Sys.NamespaceType(s.Path);
        string expected = Enum.IsDefined(wanted) ? wanted.ToSpecName() : "different";
        return actual is long type && Enum.IsDefined((LinuxNamespaceType)type)
            ? $"{s.Path} is a {((LinuxNamespaceType)type).ToSpecName()} namespace, not a {expected} namespace: the type is wrong."
            : $"{s.Path} is not a namespace file; a {expected} namespace was expected.";
    }

    /// <summary>A wait(2) status as words: exit code N, or killed by signal N.</summary>
    public static string DescribeWaitStatus(int status) =>
        (status & 0x7f) == 0 ? $"exit code {(status >> 8) & 0xff}" : $"killed by signal {status & 0x7f}";

    public void Dispose()
    {
        _ = Stage0Exit; // reaped in any case, even when the plan was never sent
        _socket.Dispose();
    }
}
