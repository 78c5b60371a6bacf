namespace LibContainer.Rootfs;

/// <summary>
/// The kernel's <c>mount(2)</c> <c>MS_*</c> flags and the <c>mount_setattr(2)</c> <c>MOUNT_ATTR_*</c>
/// attributes (include/uapi/linux/mount.h), as numbers so that managed code needs no libc for them.
/// </summary>
internal static class MountFlags
{
    public const ulong MS_RDONLY = 1;
    public const ulong MS_NOSUID = 2;
    public const ulong MS_NODEV = 4;
    public const ulong MS_NOEXEC = 8;
    public const ulong MS_SYNCHRONOUS = 16;
    public const ulong MS_REMOUNT = 32;
    public const ulong MS_MANDLOCK = 64;
    public const ulong MS_DIRSYNC = 128;
    public const ulong MS_NOSYMFOLLOW = 256;
    public const ulong MS_NOATIME = 1024;
    public const ulong MS_NODIRATIME = 2048;
    public const ulong MS_BIND = 4096;
    public const ulong MS_MOVE = 8192;
    public const ulong MS_REC = 16384;
    public const ulong MS_SILENT = 32768;
    public const ulong MS_UNBINDABLE = 1 << 17;
    public const ulong MS_PRIVATE = 1 << 18;
    public const ulong MS_SLAVE = 1 << 19;
    public const ulong MS_SHARED = 1 << 20;
    public const ulong MS_RELATIME = 1 << 21;
    public const ulong MS_I_VERSION = 1 << 23;
    public const ulong MS_STRICTATIME = 1 << 24;
    public const ulong MS_LAZYTIME = 1 << 25;

    /// <summary>The propagation types; exactly one may be passed to a <c>mount(2)</c> call, optionally with <see cref="MS_REC"/>.</summary>
    public const ulong MS_PROPAGATION = MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;

    public const ulong MOUNT_ATTR_RDONLY = 0x00000001;
    public const ulong MOUNT_ATTR_NOSUID = 0x00000002;
    public const ulong MOUNT_ATTR_NODEV = 0x00000004;
    public const ulong MOUNT_ATTR_NOEXEC = 0x00000008;

    /// <summary>The access-time field: setting one of the atime attributes needs it in <c>attr_clr</c>.</summary>
    public const ulong MOUNT_ATTR__ATIME = 0x00000070;
    public const ulong MOUNT_ATTR_RELATIME = 0x00000000;
    public const ulong MOUNT_ATTR_NOATIME = 0x00000010;
    public const ulong MOUNT_ATTR_STRICTATIME = 0x00000020;
    public const ulong MOUNT_ATTR_NODIRATIME = 0x00000080;
    public const ulong MOUNT_ATTR_IDMAP = 0x00100000;
    public const ulong MOUNT_ATTR_NOSYMFOLLOW = 0x00200000;
}
