using System.Runtime.InteropServices;
using System.Text;
using Tmds.Linux;

namespace LibContainer.Interop;

internal static unsafe partial class Sys
{
    // enum bpf_cmd, enum bpf_prog_type, enum bpf_attach_type (include/uapi/linux/bpf.h).
    private const int BPF_PROG_LOAD = 5;
    private const int BPF_PROG_ATTACH = 8;
    private const int BPF_PROG_DETACH = 9;
    private const int BPF_PROG_GET_FD_BY_ID = 13;
    private const int BPF_PROG_QUERY = 16;
    private const uint BPF_PROG_TYPE_CGROUP_DEVICE = 15;
    private const uint BPF_CGROUP_DEVICE = 6;

    /// <summary>Attach flag: more programs may be attached to the cgroup; a device must pass every one.</summary>
    internal const uint BPF_F_ALLOW_MULTI = 2;

    private const int VerifierLogSize = 1 << 20;

    /// <summary>
    /// <c>union bpf_attr</c>: the members of the commands used here at their kernel offsets, the rest
    /// zero. The kernel reads min(size, sizeof) bytes and insists that any it does not know are zero.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct BpfAttr
    {
        // BPF_PROG_LOAD
        [FieldOffset(0)] public uint prog_type;
        [FieldOffset(4)] public uint insn_cnt;
        [FieldOffset(8)] public ulong insns;
        [FieldOffset(16)] public ulong license;
        [FieldOffset(24)] public uint log_level;
        [FieldOffset(28)] public uint log_size;
        [FieldOffset(32)] public ulong log_buf;

        // BPF_PROG_ATTACH / BPF_PROG_DETACH
        [FieldOffset(0)] public uint target_fd;
        [FieldOffset(4)] public uint attach_bpf_fd;
        [FieldOffset(8)] public uint attach_type;
        [FieldOffset(12)] public uint attach_flags;

        // BPF_PROG_QUERY (target_fd as above; attach_type is not where ATTACH has it)
        [FieldOffset(4)] public uint query_attach_type;
        [FieldOffset(8)] public uint query_flags;
        [FieldOffset(12)] public uint query_attach_flags;
        [FieldOffset(16)] public ulong prog_ids;
        [FieldOffset(24)] public uint prog_cnt;

        // BPF_PROG_GET_FD_BY_ID
        [FieldOffset(0)] public uint prog_id;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall_bpf(long number, long cmd, BpfAttr* attr, long size);

    private static long SYS_bpf => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 321,
        Architecture.Arm64 => 280,
        _ => throw new PlatformNotSupportedException($"bpf(2) is not wired up for {RuntimeInformation.ProcessArchitecture}."),
    };

    /// <summary>bpf(cmd, attr): the result, or -errno; retries EINTR.</summary>
    private static long Bpf(int cmd, ref BpfAttr attr)
    {
        fixed (BpfAttr* p = &attr)
        {
            while (true)
            {
                long rc = syscall_bpf(SYS_bpf, cmd, p, sizeof(BpfAttr));
                if (rc >= 0)
                {
                    return rc;
                }
                int errno = Errno;
                if (errno != EINTR)
                {
                    return -errno;
                }
            }
        }
    }

    /// <summary>
    /// bpf(BPF_PROG_LOAD) of a BPF_PROG_TYPE_CGROUP_DEVICE program. A program the verifier rejects
    /// is loaded a second time with a log, and the exception carries the verifier's words.
    /// </summary>
    internal static SafeFd BpfProgLoad(ReadOnlySpan<byte> insns, string license)
    {
        if (insns.IsEmpty || insns.Length % 8 != 0)
        {
            throw new ArgumentException($"An eBPF program is a non-empty multiple of 8 bytes, got {insns.Length}.", nameof(insns));
        }
        byte[] licenseBytes = CString(license);
        fixed (byte* code = insns)
        fixed (byte* lic = licenseBytes)
        {
            BpfAttr attr = default;
            attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
            attr.insn_cnt = (uint)(insns.Length / 8);
            attr.insns = (ulong)code;
            attr.license = (ulong)lic;

            long fd = LoadRetryingEagain(ref attr);
            if (fd >= 0)
            {
                return new SafeFd((int)fd); // bpf fds are always close-on-exec
            }
            int errno = (int)-fd;
            if (errno != LibC.EACCES && errno != LibC.EINVAL)
            {
                throw new SyscallException("bpf(BPF_PROG_LOAD)", errno, hint: errno == LibC.EPERM
                    ? "Loading a cgroup device program needs CAP_SYS_ADMIN (or CAP_BPF) in the initial user namespace; kernels before 5.11 also charge it to RLIMIT_MEMLOCK."
                    : null);
            }

            // The verifier said no: again, with a log of why.
            byte[] log = new byte[VerifierLogSize];
            fixed (byte* logBuf = log)
            {
                attr = default;
                attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
                attr.insn_cnt = (uint)(insns.Length / 8);
                attr.insns = (ulong)code;
                attr.license = (ulong)lic;
                attr.log_level = 1;
                attr.log_size = (uint)log.Length;
                attr.log_buf = (ulong)logBuf;
                fd = LoadRetryingEagain(ref attr);
            }
            if (fd >= 0)
            {
                return new SafeFd((int)fd);
            }
            int logErrno = (int)-fd;
            string text = VerifierLog(log);
            throw new SyscallException("bpf(BPF_PROG_LOAD)", logErrno == LibC.ENOSPC ? errno : logErrno,
                hint: text.Length == 0 ? null : $"Verifier log:\n{text}");
        }
    }

    /// <summary>bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE): runs <paramref name="prog"/> for every device access in the cgroup.</summary>
    internal static void BpfProgAttach(SafeFd cgroupDir, SafeFd prog, uint flags, string? path = null)
    {
        BpfAttr attr = default;
        attr.target_fd = (uint)cgroupDir.Fd;
        attr.attach_bpf_fd = (uint)prog.Fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = flags;
        long rc = Bpf(BPF_PROG_ATTACH, ref attr);
        if (rc < 0)
        {
            int errno = (int)-rc;
            throw new SyscallException("bpf(BPF_PROG_ATTACH)", errno, path, errno == LibC.EBADF
                ? "The directory must be a cgroup on a cgroup2 (unified) hierarchy."
                : null);
        }
    }

    /// <summary>bpf(BPF_PROG_DETACH, BPF_CGROUP_DEVICE): false when <paramref name="prog"/> was not attached (ENOENT).</summary>
    internal static bool BpfProgDetach(SafeFd cgroupDir, SafeFd prog, string? path = null)
    {
        BpfAttr attr = default;
        attr.target_fd = (uint)cgroupDir.Fd;
        attr.attach_bpf_fd = (uint)prog.Fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        long rc = Bpf(BPF_PROG_DETACH, ref attr);
        if (rc < 0)
        {
            int errno = (int)-rc;
            if (errno == LibC.ENOENT)
            {
                return false;
            }
            throw new SyscallException("bpf(BPF_PROG_DETACH)", errno, path);
        }
        return true;
    }

    /// <summary>bpf(BPF_PROG_QUERY, BPF_CGROUP_DEVICE): the ids of the device programs attached to the cgroup itself.</summary>
    internal static uint[] BpfProgQuery(SafeFd cgroupDir, string? path = null)
    {
        uint[] ids = new uint[64];
        while (true)
        {
            fixed (uint* p = ids)
            {
                BpfAttr attr = default;
                attr.target_fd = (uint)cgroupDir.Fd;
                attr.query_attach_type = BPF_CGROUP_DEVICE;
                attr.prog_ids = (ulong)p;
                attr.prog_cnt = (uint)ids.Length;
                long rc = Bpf(BPF_PROG_QUERY, ref attr);
                if (rc >= 0)
                {
                    return ids.AsSpan(0, (int)Math.Min(attr.prog_cnt, (uint)ids.Length)).ToArray();
                }
                int errno = (int)-rc;
                if (errno != LibC.ENOSPC || attr.prog_cnt <= ids.Length)
                {
                    throw new SyscallException("bpf(BPF_PROG_QUERY)", errno, path);
                }
                ids = new uint[attr.prog_cnt]; // more were attached than fit: the kernel said how many
            }
        }
    }

    /// <summary>
    /// bpf(BPF_PROG_GET_FD_BY_ID): a handle on a loaded program; null when it is gone (ENOENT) or
    /// a security module keeps it from us (EPERM, EACCES).
    /// </summary>
    internal static SafeFd? BpfProgGetFdById(uint id)
    {
        BpfAttr attr = default;
        attr.prog_id = id;
        long fd = Bpf(BPF_PROG_GET_FD_BY_ID, ref attr);
        if (fd >= 0)
        {
            return new SafeFd((int)fd);
        }
        int errno = (int)-fd;
        if (errno == LibC.ENOENT || errno == LibC.EPERM || errno == LibC.EACCES)
        {
            return null;
        }
        throw new SyscallException("bpf(BPF_PROG_GET_FD_BY_ID)", errno, $"program id {id}");
    }

    /// <summary>BPF_PROG_LOAD can fail with EAGAIN under memory pressure or a racing verifier; libbpf retries it too.</summary>
    private static long LoadRetryingEagain(ref BpfAttr attr)
    {
        long rc = 0;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            rc = Bpf(BPF_PROG_LOAD, ref attr);
            if (rc != -LibC.EAGAIN)
            {
                break;
            }
        }
        return rc;
    }

    private static string VerifierLog(byte[] log)
    {
        int end = Array.IndexOf(log, (byte)0);
        return Encoding.UTF8.GetString(log, 0, end < 0 ? log.Length : end).TrimEnd();
    }
}
