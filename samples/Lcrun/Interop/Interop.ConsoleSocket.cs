using System.Runtime.InteropServices;
using System.Text;

namespace Lcrun.Interop;

/// <summary>
/// runc's --console-socket: connect to an AF_UNIX stream socket and send the pty master with
/// SCM_RIGHTS, the console's name as the message's bytes (containerd and conmon read the fd).
/// </summary>
internal static unsafe partial class ConsoleSocket
{
    private const int AF_UNIX = 1;
    private const int SOCK_STREAM = 1;
    private const int SOCK_CLOEXEC = 0x80000;
    private const int SOL_SOCKET = 1;
    private const int SCM_RIGHTS = 1;
    private const int EINTR = 4;
    private const int SunPathLength = 108;

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

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static partial int connect(int fd, byte* address, uint length);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint sendmsg(int fd, MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int close(int fd);

    /// <summary>Sends <paramref name="fd"/> to the socket at <paramref name="socketPath"/>, named <paramref name="name"/>.</summary>
    /// <exception cref="IOException">The socket could not be reached or the message not sent; names the call and errno.</exception>
    public static void Send(string socketPath, string name, SafeHandle fd)
    {
        byte[] path = Encoding.UTF8.GetBytes(socketPath);
        if (path.Length >= SunPathLength)
        {
            throw new IOException($"console socket path is too long ({path.Length} bytes, at most {SunPathLength - 1}): {socketPath}");
        }
        int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
        {
            throw Failure("socket", socketPath);
        }
        try
        {
            byte* address = stackalloc byte[2 + SunPathLength];
            new Span<byte>(address, 2 + SunPathLength).Clear();
            *(ushort*)address = AF_UNIX;
            path.CopyTo(new Span<byte>(address + 2, SunPathLength));
            int rc;
            do
            {
                rc = connect(sock, address, (uint)(2 + path.Length + 1));
            }
            while (rc < 0 && Marshal.GetLastPInvokeError() == EINTR);
            if (rc < 0)
            {
                throw Failure("connect", socketPath);
            }

            byte[] data = Encoding.UTF8.GetBytes(name.Length == 0 ? "/dev/ptmx" : name); // stream sockets carry no rights without a byte
            bool added = false;
            fd.DangerousAddRef(ref added);
            try
            {
                SendRights(sock, data, (int)fd.DangerousGetHandle(), socketPath);
            }
            finally
            {
                if (added)
                {
                    fd.DangerousRelease();
                }
            }
        }
        finally
        {
            close(sock);
        }
    }

    private static void SendRights(int sock, byte[] data, int fd, string socketPath)
    {
        int controlLength = Align(sizeof(CmsgHdr)) + Align(sizeof(int)); // CMSG_SPACE(sizeof(int))
        byte* control = stackalloc byte[controlLength];
        new Span<byte>(control, controlLength).Clear();
        var header = (CmsgHdr*)control;
        header->Length = (nuint)(Align(sizeof(CmsgHdr)) + sizeof(int)); // CMSG_LEN(sizeof(int))
        header->Level = SOL_SOCKET;
        header->Type = SCM_RIGHTS;
        *(int*)(control + Align(sizeof(CmsgHdr))) = fd;

        fixed (byte* bytes = data)
        {
            var iov = new IoVec { Base = bytes, Length = (nuint)data.Length };
            var message = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)controlLength };
            nint sent;
            do
            {
                sent = sendmsg(sock, &message, 0);
            }
            while (sent < 0 && Marshal.GetLastPInvokeError() == EINTR);
            if (sent < 0)
            {
                throw Failure("sendmsg", socketPath);
            }
        }
    }

    private static int Align(int length) => (length + sizeof(nuint) - 1) & ~(sizeof(nuint) - 1);

    private static IOException Failure(string call, string path)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }
}
