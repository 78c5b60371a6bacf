using System.Runtime.InteropServices;

namespace LibContainer.Interop;

/// <summary>libseccomp (Debian's libseccomp2), which compiles an OCI seccomp profile to BPF.</summary>
internal static unsafe partial class Seccomp
{
    private const string Library = "libseccomp.so.2";

    [StructLayout(LayoutKind.Sequential)]
    internal struct ArgCmp
    {
        public uint Arg;
        public int Op;
        public ulong DatumA;
        public ulong DatumB;
    }

    [LibraryImport(Library)]
    internal static partial nint seccomp_init(uint defaultAction);

    [LibraryImport(Library)]
    internal static partial void seccomp_release(nint ctx);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial uint seccomp_arch_resolve_name(string name);

    [LibraryImport(Library)]
    internal static partial int seccomp_arch_add(nint ctx, uint arch);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int seccomp_syscall_resolve_name(string name);

    [LibraryImport(Library)]
    internal static partial int seccomp_rule_add_array(nint ctx, uint action, int syscall, uint argCount, ArgCmp* args);

    [LibraryImport(Library)]
    internal static partial int seccomp_attr_set(nint ctx, int attribute, uint value);

    [LibraryImport(Library)]
    internal static partial int seccomp_export_bpf(nint ctx, int fd);
}
