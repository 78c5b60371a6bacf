using System.Collections.Frozen;
using static LibContainer.Rootfs.MountFlags;

namespace LibContainer.Rootfs;

/// <summary>
/// The fstab-style options of a spec mount (<see cref="Spec.Mount.Options"/>) decoded into what the
/// kernel takes: <c>mount(2)</c> flags, propagation, <c>mount_setattr(2)</c> recursive attributes and the
/// filesystem-specific data string. Built by <see cref="Parse"/>, following runc's option table.
/// </summary>
/// <param name="Flags">The <c>MS_*</c> flags to pass to <c>mount(2)</c>, including <c>MS_BIND</c>/<c>MS_REC</c> for bind mounts.</param>
/// <param name="ClearFlags">
/// The <c>MS_*</c> flags an option explicitly cleared (<c>rw</c>, <c>suid</c>, <c>exec</c>, <c>atime</c>...), so that
/// a bind remount can tell "cleared" from "inherited from the source".
/// </param>
/// <param name="PropagationFlags">
/// The propagation to apply after mounting, in a separate <c>mount(2)</c> call: one of <c>MS_PRIVATE</c>,
/// <c>MS_SLAVE</c>, <c>MS_SHARED</c>, <c>MS_UNBINDABLE</c>, possibly with <c>MS_REC</c>; 0 when none was
/// given. When several propagation options are given, the last one wins.
/// </param>
/// <param name="Data">The options the table does not know, comma-joined in order: the filesystem's data string (<c>mode=755,size=65536k</c>).</param>
/// <param name="RecAttrSet">The <c>MOUNT_ATTR_*</c> attributes to set recursively (<c>rro</c>, <c>rnosuid</c>...), for <c>mount_setattr(2)</c> with <c>AT_RECURSIVE</c>.</param>
/// <param name="RecAttrClr">The <c>MOUNT_ATTR_*</c> attributes to clear recursively (<c>rrw</c>, <c>rsuid</c>...), including <c>MOUNT_ATTR__ATIME</c> when an atime attribute is set.</param>
/// <param name="Tmpcopyup">The <c>tmpcopyup</c> extension: copy the directory's existing content into a new tmpfs mounted over it.</param>
/// <param name="IdMap">The <c>idmap</c> or <c>ridmap</c> option: make the mount id-mapped (with the mount's or the container's mappings).</param>
/// <param name="RecursiveIdMap">The <c>ridmap</c> option: id-map the whole bind-mounted tree, not only its top mount.</param>
internal readonly record struct MountOptions(
    ulong Flags,
    ulong ClearFlags,
    ulong PropagationFlags,
    string Data,
    ulong RecAttrSet,
    ulong RecAttrClr,
    bool Tmpcopyup,
    bool IdMap,
    bool RecursiveIdMap)
{
    private static readonly FrozenDictionary<string, (bool Clear, ulong Flag)> s_flags = new Dictionary<string, (bool, ulong)>(StringComparer.Ordinal)
    {
        // "acl" has no MS_POSIXACL mapping on purpose (runc#3738): it goes to the data string.
        ["async"] = (true, MS_SYNCHRONOUS),
        ["atime"] = (true, MS_NOATIME),
        ["bind"] = (false, MS_BIND),
        ["defaults"] = (false, 0),
        ["dev"] = (true, MS_NODEV),
        ["diratime"] = (true, MS_NODIRATIME),
        ["dirsync"] = (false, MS_DIRSYNC),
        ["exec"] = (true, MS_NOEXEC),
        ["iversion"] = (false, MS_I_VERSION),
        ["lazytime"] = (false, MS_LAZYTIME),
        ["loud"] = (true, MS_SILENT),
        ["mand"] = (false, MS_MANDLOCK),
        ["noatime"] = (false, MS_NOATIME),
        ["nodev"] = (false, MS_NODEV),
        ["nodiratime"] = (false, MS_NODIRATIME),
        ["noexec"] = (false, MS_NOEXEC),
        ["noiversion"] = (true, MS_I_VERSION),
        ["nolazytime"] = (true, MS_LAZYTIME),
        ["nomand"] = (true, MS_MANDLOCK),
        ["norelatime"] = (true, MS_RELATIME),
        ["nostrictatime"] = (true, MS_STRICTATIME),
        ["nosuid"] = (false, MS_NOSUID),
        ["nosymfollow"] = (false, MS_NOSYMFOLLOW),
        ["rbind"] = (false, MS_BIND | MS_REC),
        ["relatime"] = (false, MS_RELATIME),
        ["remount"] = (false, MS_REMOUNT),
        ["ro"] = (false, MS_RDONLY),
        ["rw"] = (true, MS_RDONLY),
        ["silent"] = (false, MS_SILENT),
        ["strictatime"] = (false, MS_STRICTATIME),
        ["suid"] = (true, MS_NOSUID),
        ["symfollow"] = (true, MS_NOSYMFOLLOW),
        ["sync"] = (false, MS_SYNCHRONOUS),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, ulong> s_propagation = new Dictionary<string, ulong>(StringComparer.Ordinal)
    {
        ["private"] = MS_PRIVATE,
        ["rprivate"] = MS_PRIVATE | MS_REC,
        ["slave"] = MS_SLAVE,
        ["rslave"] = MS_SLAVE | MS_REC,
        ["shared"] = MS_SHARED,
        ["rshared"] = MS_SHARED | MS_REC,
        ["unbindable"] = MS_UNBINDABLE,
        ["runbindable"] = MS_UNBINDABLE | MS_REC,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, (bool Clear, ulong Attr)> s_recursiveAttributes = new Dictionary<string, (bool, ulong)>(StringComparer.Ordinal)
    {
        ["rro"] = (false, MOUNT_ATTR_RDONLY),
        ["rrw"] = (true, MOUNT_ATTR_RDONLY),
        ["rnosuid"] = (false, MOUNT_ATTR_NOSUID),
        ["rsuid"] = (true, MOUNT_ATTR_NOSUID),
        ["rnodev"] = (false, MOUNT_ATTR_NODEV),
        ["rdev"] = (true, MOUNT_ATTR_NODEV),
        ["rnoexec"] = (false, MOUNT_ATTR_NOEXEC),
        ["rexec"] = (true, MOUNT_ATTR_NOEXEC),
        ["rnodiratime"] = (false, MOUNT_ATTR_NODIRATIME),
        ["rdiratime"] = (true, MOUNT_ATTR_NODIRATIME),
        ["rrelatime"] = (false, MOUNT_ATTR_RELATIME),
        ["rnorelatime"] = (true, MOUNT_ATTR_RELATIME),
        ["rnoatime"] = (false, MOUNT_ATTR_NOATIME),
        ["ratime"] = (true, MOUNT_ATTR_NOATIME),
        ["rstrictatime"] = (false, MOUNT_ATTR_STRICTATIME),
        ["rnostrictatime"] = (true, MOUNT_ATTR_STRICTATIME),
        ["rnosymfollow"] = (false, MOUNT_ATTR_NOSYMFOLLOW),
        ["rsymfollow"] = (true, MOUNT_ATTR_NOSYMFOLLOW),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Whether this is a bind mount (<c>bind</c> or <c>rbind</c>): <c>MS_BIND</c> is in <see cref="Flags"/>.</summary>
    public bool Bind => (Flags & MS_BIND) != 0;

    /// <summary>Whether the bind mount is recursive (<c>rbind</c>): <c>MS_REC</c> is in <see cref="Flags"/>.</summary>
    public bool Recursive => (Flags & MS_REC) != 0;

    /// <summary>Whether any recursive attribute (<c>rro</c>, <c>rnosuid</c>...) needs a <c>mount_setattr(2)</c> call.</summary>
    public bool HasRecursiveAttributes => RecAttrSet != 0 || RecAttrClr != 0;

    /// <summary>
    /// Decodes mount options in order, as runc does: a later option overrides an earlier one
    /// (<c>ro</c> then <c>rw</c> leaves the mount writable); unknown options join <see cref="Data"/>.
    /// </summary>
    /// <param name="options">The options of a spec mount, or <see langword="null"/> for none.</param>
    /// <returns>The decoded options.</returns>
    internal static MountOptions Parse(IReadOnlyList<string>? options)
    {
        ulong flags = 0, clearFlags = 0, propagation = 0, recAttrSet = 0, recAttrClr = 0;
        bool tmpcopyup = false, idmap = false, ridmap = false;
        List<string>? data = null;

        if (options is not null)
        {
            foreach (string option in options)
            {
                if (s_flags.TryGetValue(option, out (bool Clear, ulong Flag) f))
                {
                    // "defaults" has no flag: it only means "no other option".
                    if (f.Clear)
                    {
                        flags &= ~f.Flag;
                        clearFlags |= f.Flag;
                    }
                    else
                    {
                        flags |= f.Flag;
                        clearFlags &= ~f.Flag;
                    }
                }
                else if (s_propagation.TryGetValue(option, out ulong p))
                {
                    propagation = p;
                }
                else if (s_recursiveAttributes.TryGetValue(option, out (bool Clear, ulong Attr) a))
                {
                    if (a.Clear)
                    {
                        recAttrClr |= a.Attr;
                        recAttrSet &= ~a.Attr;
                    }
                    else
                    {
                        recAttrSet |= a.Attr;
                        recAttrClr &= ~a.Attr;
                        if ((a.Attr & MOUNT_ATTR__ATIME) == a.Attr)
                        {
                            // mount_setattr(2): an access-time setting in attr_set needs MOUNT_ATTR__ATIME in attr_clr.
                            recAttrClr |= MOUNT_ATTR__ATIME;
                        }
                    }
                }
                else if (option == "tmpcopyup")
                {
                    tmpcopyup = true;
                }
                else if (option == "idmap")
                {
                    idmap = true;
                }
                else if (option == "ridmap")
                {
                    idmap = true;
                    ridmap = true;
                }
                else
                {
                    (data ??= []).Add(option);
                }
            }
        }

        return new MountOptions(
            flags,
            clearFlags,
            propagation,
            data is null ? "" : string.Join(',', data),
            recAttrSet,
            recAttrClr,
            tmpcopyup,
            idmap,
            ridmap);
    }
}
