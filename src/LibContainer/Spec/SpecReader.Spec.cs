namespace LibContainer.Spec;

// One reader per record, each property in declaration order; the Linux section is in SpecReader.Linux.cs.
internal ref partial struct SpecReader
{
    internal static RuntimeSpec? ReadSpec(ref SpecReader reader) =>
        reader.Object(new RuntimeSpec { OciVersion = null! }, ["ociVersion"], static (ref SpecReader r, RuntimeSpec x, string name) =>
        {
            switch (name)
            {
                case "ociVersion": x.OciVersion = r.NotNull(r.String()); break;
                case "root": x.Root = ReadRoot(ref r); break;
                case "mounts": x.Mounts = r.List(ReadMount); break;
                case "process": x.Process = ReadProcess(ref r); break;
                case "hostname": x.Hostname = r.String(); break;
                case "domainname": x.Domainname = r.String(); break;
                case "hooks": x.Hooks = ReadHooks(ref r); break;
                case "annotations": x.Annotations = r.Map(StringItem); break;
                case "linux": x.Linux = ReadLinux(ref r); break;
                default: return false;
            }
            return true;
        });

    internal static ContainerState? ReadState(ref SpecReader reader) =>
        reader.Object(new ContainerState { OciVersion = null!, Id = null!, Status = null!, Bundle = null! }, ["ociVersion", "id", "status", "bundle"],
            static (ref SpecReader r, ContainerState x, string name) =>
            {
                switch (name)
                {
                    case "ociVersion": x.OciVersion = r.NotNull(r.String()); break;
                    case "id": x.Id = r.NotNull(r.String()); break;
                    case "status": x.Status = r.NotNull(r.String()); break;
                    case "pid": x.Pid = r.Int32(); break;
                    case "bundle": x.Bundle = r.NotNull(r.String()); break;
                    case "annotations": x.Annotations = r.Map(StringItem); break;
                    default: return false;
                }
                return true;
            });

    private static Root? ReadRoot(ref SpecReader reader) =>
        reader.Object(new Root { Path = null! }, ["path"], static (ref SpecReader r, Root x, string name) =>
        {
            switch (name)
            {
                case "path": x.Path = r.NotNull(r.String()); break;
                case "readonly": x.Readonly = r.NotNull(r.Bool()); break;
                default: return false;
            }
            return true;
        });

    private static Mount? ReadMount(ref SpecReader reader) =>
        reader.Object(new Mount { Destination = null! }, ["destination"], static (ref SpecReader r, Mount x, string name) =>
        {
            switch (name)
            {
                case "destination": x.Destination = r.NotNull(r.String()); break;
                case "type": x.Type = r.String(); break;
                case "source": x.Source = r.String(); break;
                case "options": x.Options = r.List(StringItem); break;
                case "uidMappings": x.UidMappings = r.List(ReadIdMapping); break;
                case "gidMappings": x.GidMappings = r.List(ReadIdMapping); break;
                default: return false;
            }
            return true;
        });

    private static Process? ReadProcess(ref SpecReader reader) =>
        reader.Object(new Process { User = null!, Cwd = null! }, ["user", "cwd"], static (ref SpecReader r, Process x, string name) =>
        {
            switch (name)
            {
                case "terminal": x.Terminal = r.NotNull(r.Bool()); break;
                case "consoleSize": x.ConsoleSize = ReadBox(ref r); break;
                case "user": x.User = r.NotNull(ReadUser(ref r)); break;
                case "args": x.Args = r.List(StringItem); break;
                case "env": x.Env = r.List(StringItem); break;
                case "cwd": x.Cwd = r.NotNull(r.String()); break;
                case "capabilities": x.Capabilities = ReadCapabilities(ref r); break;
                case "rlimits": x.Rlimits = r.List(ReadRlimit); break;
                case "noNewPrivileges": x.NoNewPrivileges = r.NotNull(r.Bool()); break;
                case "apparmorProfile": x.ApparmorProfile = r.String(); break;
                case "oomScoreAdj": x.OomScoreAdj = r.Int32(); break;
                case "scheduler": x.Scheduler = ReadScheduler(ref r); break;
                case "selinuxLabel": x.SelinuxLabel = r.String(); break;
                case "ioPriority": x.IOPriority = ReadIOPriority(ref r); break;
                case "execCPUAffinity": x.ExecCpuAffinity = ReadExecCpuAffinity(ref r); break;
                default: return false;
            }
            return true;
        });

    private static Box? ReadBox(ref SpecReader reader) =>
        reader.Object(new Box { Height = 0, Width = 0 }, ["height", "width"], static (ref SpecReader r, Box x, string name) =>
        {
            switch (name)
            {
                case "height": x.Height = r.NotNull(r.UInt64()); break;
                case "width": x.Width = r.NotNull(r.UInt64()); break;
                default: return false;
            }
            return true;
        });

    private static User? ReadUser(ref SpecReader reader) =>
        reader.Object(new User { Uid = 0, Gid = 0 }, ["uid", "gid"], static (ref SpecReader r, User x, string name) =>
        {
            switch (name)
            {
                case "uid": x.Uid = r.NotNull(r.UInt32()); break;
                case "gid": x.Gid = r.NotNull(r.UInt32()); break;
                case "umask": x.Umask = r.UInt32(); break;
                case "additionalGids": x.AdditionalGids = r.List(UInt32Item); break;
                case "username": x.Username = r.String(); break;
                default: return false;
            }
            return true;
        });

    private static LinuxCapabilities? ReadCapabilities(ref SpecReader reader) =>
        reader.Object(new LinuxCapabilities(), [], static (ref SpecReader r, LinuxCapabilities x, string name) =>
        {
            switch (name)
            {
                case "bounding": x.Bounding = r.List(StringItem); break;
                case "effective": x.Effective = r.List(StringItem); break;
                case "inheritable": x.Inheritable = r.List(StringItem); break;
                case "permitted": x.Permitted = r.List(StringItem); break;
                case "ambient": x.Ambient = r.List(StringItem); break;
                default: return false;
            }
            return true;
        });

    private static PosixRlimit? ReadRlimit(ref SpecReader reader) =>
        reader.Object(new PosixRlimit { Type = null!, Soft = 0, Hard = 0 }, ["type", "soft", "hard"], static (ref SpecReader r, PosixRlimit x, string name) =>
        {
            switch (name)
            {
                case "type": x.Type = r.NotNull(r.String()); break;
                case "soft": x.Soft = r.NotNull(r.UInt64()); break;
                case "hard": x.Hard = r.NotNull(r.UInt64()); break;
                default: return false;
            }
            return true;
        });

    private static Scheduler? ReadScheduler(ref SpecReader reader) =>
        reader.Object(new Scheduler { Policy = null! }, ["policy"], static (ref SpecReader r, Scheduler x, string name) =>
        {
            switch (name)
            {
                case "policy": x.Policy = r.NotNull(r.String()); break;
                case "nice": x.Nice = r.Int32(); break;
                case "priority": x.Priority = r.Int32(); break;
                case "flags": x.Flags = r.List(StringItem); break;
                case "runtime": x.Runtime = r.UInt64(); break;
                case "deadline": x.Deadline = r.UInt64(); break;
                case "period": x.Period = r.UInt64(); break;
                default: return false;
            }
            return true;
        });

    private static LinuxIOPriority? ReadIOPriority(ref SpecReader reader) =>
        reader.Object(new LinuxIOPriority { Class = null! }, ["class"], static (ref SpecReader r, LinuxIOPriority x, string name) =>
        {
            switch (name)
            {
                case "class": x.Class = r.NotNull(r.String()); break;
                case "priority": x.Priority = r.NotNull(r.Int32()); break;
                default: return false;
            }
            return true;
        });

    private static ExecCpuAffinity? ReadExecCpuAffinity(ref SpecReader reader) =>
        reader.Object(new ExecCpuAffinity(), [], static (ref SpecReader r, ExecCpuAffinity x, string name) =>
        {
            switch (name)
            {
                case "initial": x.Initial = r.String(); break;
                case "final": x.Final = r.String(); break;
                default: return false;
            }
            return true;
        });

    private static Hooks? ReadHooks(ref SpecReader reader) =>
        reader.Object(new Hooks(), [], static (ref SpecReader r, Hooks x, string name) =>
        {
            switch (name)
            {
                case "prestart": x.Prestart = r.List(ReadHook); break;
                case "createRuntime": x.CreateRuntime = r.List(ReadHook); break;
                case "createContainer": x.CreateContainer = r.List(ReadHook); break;
                case "startContainer": x.StartContainer = r.List(ReadHook); break;
                case "poststart": x.Poststart = r.List(ReadHook); break;
                case "poststop": x.Poststop = r.List(ReadHook); break;
                default: return false;
            }
            return true;
        });

    internal static Hook? ReadHook(ref SpecReader reader) =>
        reader.Object(new Hook { Path = null! }, ["path"], static (ref SpecReader r, Hook x, string name) =>
        {
            switch (name)
            {
                case "path": x.Path = r.NotNull(r.String()); break;
                case "args": x.Args = r.List(StringItem); break;
                case "env": x.Env = r.List(StringItem); break;
                case "timeout": x.Timeout = r.Int32(); break;
                default: return false;
            }
            return true;
        });
}
