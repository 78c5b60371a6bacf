using System.Runtime.InteropServices;

namespace Lcd.Network.Sandboxes;

/// <summary>
/// A network namespace kept alive by a bind mount on a file, as <c>ip netns add</c> and the CNI
/// plugins' <c>ns</c> package make one: a thread of its own unshares its network namespace and binds
/// <c>/proc/thread-self/ns/net</c> onto the file, then ends (the process's other threads never leave
/// the host's namespace). The file is what a container's spec names (linux.namespaces network path)
/// and what CNI_NETNS is.
/// </summary>
internal static partial class NetnsFile
{
    private const int CLONE_NEWNET = 0x40000000;
    private const ulong MS_BIND = 0x1000;
    private const int MNT_DETACH = 2;
    private const int EINVAL = 22;
    private const int ENOENT = 2;

    public static void Create(string path)
    {
        using (new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
        }
        string? failure = null;
        var thread = new Thread(() =>
        {
            if (unshare(CLONE_NEWNET) != 0)
            {
                failure = Describe("unshare(CLONE_NEWNET)", Marshal.GetLastPInvokeError());
            }
            else if (mount("/proc/thread-self/ns/net", path, null, MS_BIND, 0) != 0)
            {
                failure = Describe($"mount(bind /proc/thread-self/ns/net, {path})", Marshal.GetLastPInvokeError());
            }
        })
        { Name = "netns-create" };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            File.Delete(path);
            throw new IOException($"cannot make network namespace {path}: {failure}");
        }
    }

    /// <summary>Unmounts and deletes the file; the namespace goes with its last user. Gone already is fine.</summary>
    public static void Remove(string path)
    {
        if (umount2(path, MNT_DETACH) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is not EINVAL and not ENOENT)
            {
                throw new IOException($"cannot remove network namespace {path}: {Describe("umount2", errno)}");
            }
        }
        File.Delete(path);
    }

    /// <summary>Whether the file is a mounted namespace (a leftover plain file is not).</summary>
    public static bool IsMounted(string path) =>
        File.ReadLines("/proc/self/mountinfo").Any(line => line.Split(' ') is { Length: > 4 } fields && fields[4] == path);

    private static string Describe(string call, int errno) => $"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int unshare(int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mount(string source, string target, string? fstype, ulong flags, nint data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2(string target, int flags);
}
