using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Lcd.Network;

/// <summary>
/// The plugins' global chains (CNI-FORWARD, CNI-HOSTPORT-DNAT, ...) are one set per host, shared by every
/// driver on it: every lcd, every test's daemon. The firewall plugin makes CNI-FORWARD and then, in a
/// second iptables call, jumps to it; a removal of idle chains between the two fails that ADD ("Chain
/// 'CNI-FORWARD' does not exist"). So plugin chains run holding a shared flock on one host-wide file, and
/// the removal takes it exclusively without waiting: when somebody holds it, somebody is adding or
/// deleting, the chains are in use, and they stay.
/// </summary>
internal sealed partial class HostChainsLock : IDisposable
{
    private const int LOCK_SH = 1;
    private const int LOCK_EX = 2;
    private const int LOCK_NB = 4;
    private const int EINTR = 4;
    private const int EWOULDBLOCK = 11;
    private static readonly TimeSpan s_retry = TimeSpan.FromMilliseconds(5);

    private readonly SafeFileHandle _file;

    private HostChainsLock(SafeFileHandle file) => _file = file;

    private const int O_RDONLY_CREAT_CLOEXEC = 0x40 | 0x80000; // O_RDONLY | O_CREAT | O_CLOEXEC

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(SafeFileHandle fd, int operation);

    // Not File.OpenHandle: .NET takes an flock of its own at open (LOCK_SH unless FileShare.None), which would make
    // a waiting SharedAsync throw and stand in for the locks below.
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    /// <summary>A shared hold, waited for while a removal (tens of milliseconds) holds it exclusively.</summary>
    public static async Task<HostChainsLock> SharedAsync(string path, CancellationToken cancellationToken)
    {
        SafeFileHandle file = Open(path);
        try
        {
            while (!TryLock(file, path, LOCK_SH))
            {
                await Task.Delay(s_retry, cancellationToken).ConfigureAwait(false);
            }
            return new HostChainsLock(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The exclusive hold, or null at once when anybody holds the lock.</summary>
    public static HostChainsLock? TryExclusive(string path)
    {
        SafeFileHandle file = Open(path);
        try
        {
            if (TryLock(file, path, LOCK_EX))
            {
                return new HostChainsLock(file);
            }
        }
        catch
        {
            file.Dispose();
            throw;
        }
        file.Dispose();
        return null;
    }

    /// <summary>Closing the descriptor releases the lock.</summary>
    public void Dispose() => _file.Dispose();

    private static SafeFileHandle Open(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        int fd = open(path, O_RDONLY_CREAT_CLOEXEC, 0b110_000_000);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"open of {path} failed: {new Win32Exception(errno).Message} (errno {errno})");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private static bool TryLock(SafeFileHandle file, string path, int operation)
    {
        while (flock(file, operation | LOCK_NB) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EWOULDBLOCK)
            {
                return false;
            }
            if (errno != EINTR)
            {
                throw new IOException($"flock of {path} failed: {new Win32Exception(errno).Message} (errno {errno})");
            }
        }
        return true;
    }
}
