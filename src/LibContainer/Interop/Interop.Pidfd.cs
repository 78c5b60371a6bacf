using System.Runtime.InteropServices;
using Tmds.Linux;

namespace LibContainer.Interop;

internal static unsafe partial class Sys
{
    private const long SYS_pidfd_open = 434;
    private const long SYS_pidfd_send_signal = 424;
    private const int P_PIDFD = 3;
    private const int WEXITED = 4;
    private const int WNOHANG = 1;
    private const int WNOWAIT = 0x01000000;

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct SigInfo
    {
        [FieldOffset(0)] public int si_signo;
        [FieldOffset(4)] public int si_errno;
        [FieldOffset(8)] public int si_code;
        [FieldOffset(16)] public int si_pid;
        [FieldOffset(20)] public int si_uid;
        [FieldOffset(24)] public int si_status;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall2(long number, long arg1, long arg2);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall4(long number, long arg1, long arg2, long arg3, long arg4);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int waitid(int idtype, int id, SigInfo* infop, int options);

    /// <summary>pidfd_open(2): a handle on the process that survives pid reuse; null if it is gone.</summary>
    internal static SafeFd? PidfdOpen(int pid)
    {
        long fd = syscall2(SYS_pidfd_open, pid, 0);
        if (fd < 0)
        {
            int errno = Errno;
            if (errno == LibC.ESRCH)
            {
                return null;
            }
            throw new SyscallException("pidfd_open", errno, $"pid {pid}");
        }
        return new SafeFd((int)fd); // pidfds are always close-on-exec
    }

    /// <summary>pidfd_send_signal(2): false when the process has exited.</summary>
    internal static bool PidfdSendSignal(SafeFd pidfd, int signal)
    {
        long rc = syscall4(SYS_pidfd_send_signal, pidfd.Fd, signal, 0, 0);
        if (rc < 0)
        {
            int errno = Errno;
            if (errno == LibC.ESRCH)
            {
                return false;
            }
            throw new SyscallException("pidfd_send_signal", errno, $"signal {signal}");
        }
        return true;
    }

    /// <summary>
    /// waitid(P_PIDFD, WEXITED|WNOHANG): reaps the process if it has exited. Null while it runs;
    /// <see cref="ExitStatus.Unknown"/> when it is not our child (ECHILD: someone else reaps it).
    /// </summary>
    internal static ExitStatus? WaitIdNoHang(SafeFd pidfd, bool leaveZombie = false)
    {
        SigInfo info = default;
        int rc;
        do
        {
            rc = waitid(P_PIDFD, pidfd.Fd, &info, WEXITED | WNOHANG | (leaveZombie ? WNOWAIT : 0));
        }
        while (rc < 0 && Errno == EINTR);
        if (rc < 0)
        {
            int errno = Errno;
            if (errno == LibC.ECHILD)
            {
                return ExitStatus.Unknown;
            }
            throw new SyscallException("waitid", errno);
        }
        if (info.si_pid == 0)
        {
            return null;
        }
        return info.si_code == LibC.CLD_EXITED
            ? ExitStatus.FromExitCode(info.si_status)
            : ExitStatus.FromSignal(info.si_status, coreDumped: info.si_code == LibC.CLD_DUMPED);
    }
}
