using System.Runtime.InteropServices;
using Tmds.Linux;

namespace LibContainer.Interop;

internal static unsafe partial class Sys
{
    private const int SOL_SOCKET = 1;
    private const int SCM_RIGHTS = 1;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recvmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendmsg(int fd, MsgHdr* msg, int flags);

    /// <summary>send(2) of one SOCK_SEQPACKET message, never blocking: the count, or -errno (EAGAIN: wait).</summary>
    internal static int SendMessage(SafeFd socket, ReadOnlySpan<byte> message, SafeFd? passFd = null) =>
        SendMessage(socket, message, passFd is null ? [] : [passFd]);

    /// <summary>One message with <paramref name="passFds"/> attached (SCM_RIGHTS; at most 16).</summary>
    internal static int SendMessage(SafeFd socket, ReadOnlySpan<byte> message, IReadOnlyList<SafeFd> passFds)
    {
        fixed (byte* data = message)
        {
            IoVec iov = new() { Base = data, Length = (nuint)message.Length };
            MsgHdr header = new() { Iov = &iov, IovLength = 1 };
            byte* control = stackalloc byte[sizeof(CmsgHdr) + 16 * sizeof(int) + 8];
            if (passFds.Count > 16)
            {
                throw new ArgumentException("At most 16 fds go in one message.", nameof(passFds));
            }
            if (passFds.Count > 0)
            {
                var cmsg = (CmsgHdr*)control;
                int dataLength = passFds.Count * sizeof(int);
                cmsg->Length = (nuint)(sizeof(CmsgHdr) + dataLength);
                cmsg->Level = SOL_SOCKET;
                cmsg->Type = SCM_RIGHTS;
                for (int i = 0; i < passFds.Count; i++)
                {
                    ((int*)(control + sizeof(CmsgHdr)))[i] = passFds[i].Fd;
                }
                header.Control = control;
                header.ControlLength = (nuint)((sizeof(CmsgHdr) + dataLength + 7) & ~7); // CMSG_SPACE
            }
            while (true)
            {
                nint n = sendmsg(socket.Fd, &header, LibC.MSG_NOSIGNAL | LibC.MSG_DONTWAIT);
                if (n >= 0)
                {
                    return (int)n;
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
    /// recvmsg(2) of one message, never blocking: the count (0 at end of stream), or -errno. An fd
    /// the sender attached (SCM_RIGHTS) arrives close-on-exec in <paramref name="passedFd"/>.
    /// </summary>
    internal static int ReceiveMessage(SafeFd socket, Span<byte> buffer, out SafeFd? passedFd)
    {
        passedFd = null;
        byte* control = stackalloc byte[64];
        fixed (byte* data = buffer)
        {
            IoVec iov = new() { Base = data, Length = (nuint)buffer.Length };
            MsgHdr header = new() { Iov = &iov, IovLength = 1, Control = control, ControlLength = 64 };
            nint n;
            while (true)
            {
                n = recvmsg(socket.Fd, &header, LibC.MSG_CMSG_CLOEXEC | LibC.MSG_DONTWAIT);
                if (n >= 0)
                {
                    break;
                }
                int errno = Errno;
                if (errno != EINTR)
                {
                    return -errno;
                }
            }
            if (header.ControlLength >= (nuint)sizeof(CmsgHdr))
            {
                var cmsg = (CmsgHdr*)control;
                if (cmsg->Level == SOL_SOCKET && cmsg->Type == SCM_RIGHTS && cmsg->Length >= (nuint)(sizeof(CmsgHdr) + sizeof(int)))
                {
                    passedFd = new SafeFd(*(int*)(control + sizeof(CmsgHdr)));
                }
            }
            return (int)n;
        }
    }

    /// <summary>A stream socket connected to the unix socket at <paramref name="path"/>.</summary>
    internal static SafeFd ConnectUnix(string path)
    {
        int fd = LibC.socket(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0);
        SyscallException.ThrowIfFailed(fd, "socket");
        var socket = new SafeFd(fd);
        byte[] name = CString(path);
        if (name.Length > 108)
        {
            socket.Dispose();
            throw new ArgumentException($"The unix socket path is longer than 107 bytes: {path}");
        }
        byte* address = stackalloc byte[110];
        new Span<byte>(address, 110).Clear();
        *(ushort*)address = (ushort)LibC.AF_UNIX;
        name.CopyTo(new Span<byte>(address + 2, 108));
        int rc;
        do
        {
            rc = LibC.connect(fd, (sockaddr*)address, 110);
        }
        while (rc < 0 && Errno == EINTR);
        if (rc < 0)
        {
            int errno = Errno;
            socket.Dispose();
            throw new SyscallException("connect", errno, path);
        }
        return socket;
    }
}
