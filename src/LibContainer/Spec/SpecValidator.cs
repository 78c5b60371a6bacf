using System.Collections.Frozen;
using System.Globalization;
using System.Text.RegularExpressions;

namespace LibContainer.Spec;

/// <summary>
/// Checks a <see cref="RuntimeSpec"/> against the runtime specification's MUSTs and runc's validator rules,
/// before anything touches the kernel. Every problem is reported, not only the first.
/// </summary>
/// <example>
/// <code>
/// RuntimeSpec spec = RuntimeSpec.Load(Path.Combine(bundle, "config.json"));
/// foreach (SpecError error in SpecValidator.Validate(spec, bundle))
/// {
///     Console.Error.WriteLine(error); // process.cwd: must be absolute, got "tmp"
/// }
/// SpecValidator.ThrowIfInvalid(spec, bundle);
/// </code>
/// </example>
public static partial class SpecValidator
{
    private const int MaxHostNameLength = 64; // HOST_NAME_MAX; sethostname(2) and setdomainname(2) refuse longer names.

    private static readonly FrozenSet<string> s_schedulerPolicies = FrozenSet.ToFrozenSet(
    [
        "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE",
    ], StringComparer.Ordinal);

    private static readonly FrozenSet<string> s_ioPriorityClasses = FrozenSet.ToFrozenSet(
    [
        "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE",
    ], StringComparer.Ordinal);

    /// <summary>Checks <paramref name="spec"/> and returns every problem found, in the order of the spec.</summary>
    /// <param name="spec">The spec to check.</param>
    /// <param name="bundlePath">
    /// The bundle directory that a relative <see cref="Root.Path"/> is resolved against, or
    /// <see langword="null"/> to skip the root directory check for a relative root path.
    /// </param>
    /// <returns>The problems found; empty when the spec is valid.</returns>
    public static IReadOnlyList<SpecError> Validate(RuntimeSpec spec, string? bundlePath)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var context = new Context(spec.Linux?.Namespaces);

        ValidateVersion(spec.OciVersion, context);
        ValidateRoot(spec.Root, bundlePath, context);
        ValidateMounts(spec.Mounts, context);
        if (spec.Process is not null)
        {
            ValidateProcess(spec.Process, context);
        }
        ValidateHostName("hostname", spec.Hostname, context);
        ValidateHostName("domainname", spec.Domainname, context);
        ValidateHooks(spec.Hooks, context);
        if (spec.Linux is not null)
        {
            ValidateLinux(spec.Linux, context);
        }
        return context.Errors;
    }

    /// <summary>Checks <paramref name="spec"/> and throws when it has any problem.</summary>
    /// <param name="spec">The spec to check.</param>
    /// <param name="bundlePath">The bundle directory, as for <see cref="Validate"/>.</param>
    /// <exception cref="SpecValidationException">The spec is invalid; <see cref="SpecValidationException.Errors"/> lists every problem.</exception>
    public static void ThrowIfInvalid(RuntimeSpec spec, string? bundlePath)
    {
        IReadOnlyList<SpecError> errors = Validate(spec, bundlePath);
        if (errors.Count > 0)
        {
            throw new SpecValidationException(errors);
        }
    }

    private static void ValidateVersion(string? version, Context context)
    {
        if (string.IsNullOrEmpty(version))
        {
            context.Add("ociVersion", "must not be empty");
            return;
        }
        Match match = OciVersionRegex().Match(version);
        if (!match.Success)
        {
            context.Add("ociVersion", $"must be a SemVer version of the form 1.x.y, got {Quote(version)}");
        }
    }

    private static void ValidateRoot(Root? root, string? bundlePath, Context context)
    {
        if (root is null)
        {
            context.Add("root", "is required on Linux");
            return;
        }
        if (!CheckNotEmpty("root.path", root.Path, context))
        {
            return;
        }

        string? directory = System.IO.Path.IsPathRooted(root.Path) ? root.Path
            : bundlePath is not null ? System.IO.Path.Combine(bundlePath, root.Path)
            : null;
        if (directory is null)
        {
            return;
        }
        directory = System.IO.Path.GetFullPath(directory);
        if (Directory.Exists(directory))
        {
            return;
        }
        context.Add("root.path", File.Exists(directory)
            ? $"{directory} is not a directory"
            : $"directory {directory} does not exist");
    }

    private static void ValidateMounts(List<Mount>? mounts, Context context)
    {
        if (mounts is null)
        {
            return;
        }
        for (int i = 0; i < mounts.Count; i++)
        {
            string at = Index("mounts", i);
            Mount mount = mounts[i];
            if (mount is null)
            {
                context.Add(at, "must be an object, got null");
                continue;
            }

            // runtime-spec 1.1: "For compatibility with old tools and configurations, it MAY be a relative path, in
            // which case it MUST be interpreted as relative to "/"" (runc and crun accept it).
            CheckAbsolute($"{at}.destination", mount.Destination is { Length: > 0 } d && d[0] != '/' ? "/" + d : mount.Destination, context, rejectDotDot: true);
            CheckNoNul($"{at}.source", mount.Source, context);
            CheckNoNul($"{at}.type", mount.Type, context);

            bool bind = mount.Type == "bind" || (mount.Options?.Exists(o => o is "bind" or "rbind") ?? false);
            if (bind && string.IsNullOrEmpty(mount.Source))
            {
                context.Add($"{at}.source", "a bind mount needs a source");
            }
            if (!bind && mount.UidMappings is not null)
            {
                context.Add($"{at}.uidMappings", "id-mapped mounts are only supported for bind mounts");
            }
            if (!bind && mount.GidMappings is not null)
            {
                context.Add($"{at}.gidMappings", "id-mapped mounts are only supported for bind mounts");
            }
            ValidateIdMappings($"{at}.uidMappings", mount.UidMappings, context);
            ValidateIdMappings($"{at}.gidMappings", mount.GidMappings, context);
        }
    }

    private static void ValidateProcess(Process process, Context context)
    {
        if (process.Args is null || process.Args.Count == 0)
        {
            context.Add("process.args", "must not be empty");
        }
        else
        {
            if (string.IsNullOrEmpty(process.Args[0]))
            {
                context.Add("process.args[0]", "must not be empty");
            }
            for (int i = 0; i < process.Args.Count; i++)
            {
                CheckNoNul(Index("process.args", i), process.Args[i], context);
            }
        }

        CheckAbsolute("process.cwd", process.Cwd, context, rejectDotDot: false);
        ValidateUser(process.User, context);

        if (process.Env is not null)
        {
            for (int i = 0; i < process.Env.Count; i++)
            {
                string at = Index("process.env", i);
                string? entry = process.Env[i];
                if (entry is null || entry.IndexOf('=', StringComparison.Ordinal) <= 0)
                {
                    context.Add(at, $"must be of the form KEY=VALUE, got {Quote(entry)}");
                }
                else
                {
                    CheckNoNul(at, entry, context);
                }
            }
        }

        ValidateCapabilities(process.Capabilities, context);
        ValidateRlimits(process.Rlimits, context);

        if (process.OomScoreAdj is int oom && (oom < -1000 || oom > 1000))
        {
            context.Add("process.oomScoreAdj", Invariant($"must be between -1000 and 1000, got {oom}"));
        }

        ValidateScheduler(process.Scheduler, context);

        if (process.IOPriority is { } ioPriority)
        {
            if (ioPriority.Class is null || !s_ioPriorityClasses.Contains(ioPriority.Class))
            {
                context.Add("process.ioPriority.class", $"must be one of IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE, got {Quote(ioPriority.Class)}");
            }
            if (ioPriority.Priority < 0 || ioPriority.Priority > 7)
            {
                context.Add("process.ioPriority.priority", Invariant($"must be between 0 and 7, got {ioPriority.Priority}"));
            }
        }

        if (process.ExecCpuAffinity is { } affinity)
        {
            CheckCpuList("process.execCPUAffinity.initial", affinity.Initial, context);
            CheckCpuList("process.execCPUAffinity.final", affinity.Final, context);
        }
    }

    /// <summary>
    /// (uid_t)-1 and (gid_t)-1 mean "leave unchanged" to setresuid, setresgid and chown: a container asking
    /// for 4294967295 would go on as root. runc refuses it too.
    /// </summary>
    private static void ValidateUser(User? user, Context context)
    {
        if (user is null)
        {
            return;
        }
        const string Reason = "must not be 4294967295 ((uid_t)-1 means \"unchanged\" to the kernel: the process would stay root)";
        if (user.Uid == uint.MaxValue)
        {
            context.Add("process.user.uid", Reason);
        }
        if (user.Gid == uint.MaxValue)
        {
            context.Add("process.user.gid", Reason.Replace("uid_t", "gid_t", StringComparison.Ordinal));
        }
        for (int i = 0; i < (user.AdditionalGids?.Count ?? 0); i++)
        {
            if (user.AdditionalGids![i] == uint.MaxValue)
            {
                context.Add(Index("process.user.additionalGids", i), Reason.Replace("uid_t", "gid_t", StringComparison.Ordinal));
            }
        }
    }

    private static void ValidateCapabilities(LinuxCapabilities? capabilities, Context context)
    {
        if (capabilities is null)
        {
            return;
        }
        CheckCapabilities("process.capabilities.bounding", capabilities.Bounding, context);
        CheckCapabilities("process.capabilities.effective", capabilities.Effective, context);
        CheckCapabilities("process.capabilities.inheritable", capabilities.Inheritable, context);
        CheckCapabilities("process.capabilities.permitted", capabilities.Permitted, context);
        CheckCapabilities("process.capabilities.ambient", capabilities.Ambient, context);

        static void CheckCapabilities(string path, List<string>? names, Context context)
        {
            if (names is null)
            {
                return;
            }
            for (int i = 0; i < names.Count; i++)
            {
                // An unknown name is no error: the runtime-spec (1.1 on) says "Any value which cannot be mapped
                // to a relevant kernel interface, or cannot be granted otherwise MUST be logged as a warning by
                // the runtime" (Security.Capabilities.Resolve leaves it out and warns). Only a non-string is.
                if (names[i] is null)
                {
                    context.Add(Index(path, i), "must be a capability name such as CAP_KILL, got null");
                }
            }
        }
    }

    private static void ValidateRlimits(List<PosixRlimit>? rlimits, Context context)
    {
        if (rlimits is null)
        {
            return;
        }
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < rlimits.Count; i++)
        {
            string at = Index("process.rlimits", i);
            PosixRlimit rlimit = rlimits[i];
            if (rlimit is null)
            {
                context.Add(at, "must be an object, got null");
                continue;
            }
            if (rlimit.Type is null || !Security.Rlimits.IsKnown(rlimit.Type))
            {
                context.Add($"{at}.type", $"unknown rlimit {Quote(rlimit.Type)}");
            }
            else if (!seen.TryAdd(rlimit.Type, i))
            {
                context.Add($"{at}.type", $"duplicate rlimit {Quote(rlimit.Type)}, already set by {Index("process.rlimits", seen[rlimit.Type])}");
            }
            if (rlimit.Soft > rlimit.Hard)
            {
                context.Add($"{at}.soft", Invariant($"soft limit {rlimit.Soft} exceeds hard limit {rlimit.Hard}"));
            }
        }
    }

    private static void ValidateScheduler(Scheduler? scheduler, Context context)
    {
        if (scheduler is null)
        {
            return;
        }
        if (string.IsNullOrEmpty(scheduler.Policy) || !s_schedulerPolicies.Contains(scheduler.Policy))
        {
            context.Add("process.scheduler.policy",
                $"must be one of {string.Join(", ", s_schedulerPolicies.Order(StringComparer.Ordinal))}, got {Quote(scheduler.Policy)}");
        }
        if (scheduler.Nice is int nice && (nice < -20 || nice > 19))
        {
            context.Add("process.scheduler.nice", Invariant($"must be between -20 and 19, got {nice}"));
        }
        if (scheduler.Priority is int priority && priority != 0 && scheduler.Policy is not ("SCHED_FIFO" or "SCHED_RR"))
        {
            context.Add("process.scheduler.priority", "can only be set for SCHED_FIFO or SCHED_RR");
        }
        if (scheduler.Policy != "SCHED_DEADLINE")
        {
            if (scheduler.Runtime is > 0)
            {
                context.Add("process.scheduler.runtime", "can only be set for SCHED_DEADLINE");
            }
            if (scheduler.Deadline is > 0)
            {
                context.Add("process.scheduler.deadline", "can only be set for SCHED_DEADLINE");
            }
            if (scheduler.Period is > 0)
            {
                context.Add("process.scheduler.period", "can only be set for SCHED_DEADLINE");
            }
        }
    }

    private static void ValidateHostName(string path, string? name, Context context)
    {
        if (string.IsNullOrEmpty(name))
        {
            return;
        }
        if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxHostNameLength)
        {
            context.Add(path, Invariant($"must be at most {MaxHostNameLength} bytes, got {System.Text.Encoding.UTF8.GetByteCount(name)}"));
        }
        CheckNoNul(path, name, context);
        // A UTS namespace joined by path counts: runc and crun set the name there.
        if (!context.Namespaces.ContainsKey(LinuxNamespaceType.Uts))
        {
            context.Add(path, $"unable to set {path} without a private UTS namespace");
        }
    }

    private static void ValidateHooks(Hooks? hooks, Context context)
    {
        if (hooks is null)
        {
            return;
        }
        Check("hooks.prestart", hooks.Prestart, context);
        Check("hooks.createRuntime", hooks.CreateRuntime, context);
        Check("hooks.createContainer", hooks.CreateContainer, context);
        Check("hooks.startContainer", hooks.StartContainer, context);
        Check("hooks.poststart", hooks.Poststart, context);
        Check("hooks.poststop", hooks.Poststop, context);

        static void Check(string path, List<Hook>? list, Context context)
        {
            if (list is null)
            {
                return;
            }
            for (int i = 0; i < list.Count; i++)
            {
                string at = Index(path, i);
                Hook hook = list[i];
                if (hook is null)
                {
                    context.Add(at, "must be an object, got null");
                    continue;
                }
                CheckAbsolute($"{at}.path", hook.Path, context, rejectDotDot: false);
                if (hook.Timeout is int timeout && timeout <= 0)
                {
                    context.Add($"{at}.timeout", Invariant($"must be greater than zero, got {timeout}"));
                }
            }
        }
    }

    private static void ValidateIdMappings(string path, List<LinuxIdMapping>? mappings, Context context)
    {
        if (mappings is null)
        {
            return;
        }
        for (int i = 0; i < mappings.Count; i++)
        {
            string at = Index(path, i);
            LinuxIdMapping mapping = mappings[i];
            if (mapping is null)
            {
                context.Add(at, "must be an object, got null");
                continue;
            }
            if (mapping.Size == 0)
            {
                context.Add($"{at}.size", "must be greater than zero");
            }
            else if ((ulong)mapping.ContainerId + mapping.Size > 1UL << 32 || (ulong)mapping.HostId + mapping.Size > 1UL << 32)
            {
                context.Add(at, Invariant($"range of {mapping.Size} ids from containerID {mapping.ContainerId} / hostID {mapping.HostId} exceeds the 32-bit id space"));
            }
            else
            {
                // The kernel refuses a map whose ranges overlap, inside or outside (user_namespaces(7)).
                for (int j = 0; j < i; j++)
                {
                    LinuxIdMapping other = mappings[j];
                    if (other is null || other.Size == 0)
                    {
                        continue;
                    }
                    if (Overlap(mapping.ContainerId, mapping.Size, other.ContainerId, other.Size))
                    {
                        context.Add(at, Invariant($"containerID range {mapping.ContainerId}+{mapping.Size} overlaps {Index(path, j)}"));
                    }
                    else if (Overlap(mapping.HostId, mapping.Size, other.HostId, other.Size))
                    {
                        context.Add(at, Invariant($"hostID range {mapping.HostId}+{mapping.Size} overlaps {Index(path, j)}"));
                    }
                }
            }
        }

        static bool Overlap(uint a, uint aSize, uint b, uint bSize) => (ulong)a < (ulong)b + bSize && (ulong)b < (ulong)a + aSize;
    }

    private static bool CheckNotEmpty(string path, string? value, Context context)
    {
        if (string.IsNullOrEmpty(value))
        {
            context.Add(path, "must not be empty");
            return false;
        }
        return CheckNoNul(path, value, context);
    }

    private static bool CheckNoNul(string path, string? value, Context context)
    {
        if (value is not null && value.Contains('\0', StringComparison.Ordinal))
        {
            context.Add(path, $"must not contain a NUL character, got {Quote(value)}");
            return false;
        }
        return true;
    }

    private static void CheckAbsolute(string path, string? value, Context context, bool rejectDotDot)
    {
        if (!CheckNotEmpty(path, value, context))
        {
            return;
        }
        if (value![0] != '/')
        {
            context.Add(path, $"must be absolute, got {Quote(value)}");
        }
        else if (rejectDotDot && value.Split('/').Contains(".."))
        {
            context.Add(path, $"must not contain \"..\" components, got {Quote(value)}");
        }
    }

    private static void CheckCpuList(string path, string? value, Context context)
    {
        if (value is not null && !CpuListRegex().IsMatch(value))
        {
            context.Add(path, $"must be a list of CPUs such as \"0-3,7\", got {Quote(value)}");
        }
    }

    private static string Index(string path, int index) => Invariant($"{path}[{index}]");

    private static string Key(string path, string key) => $"{path}[{Quote(key)}]";

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>Quotes a value for a message, escaping quotes, backslashes and control characters.</summary>
    private static string Quote(string? value)
    {
        if (value is null)
        {
            return "null";
        }
        var builder = new System.Text.StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\0': builder.Append("\\0"); break;
                case '\n': builder.Append("\\n"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        return builder.Append('"').ToString();
    }

    [GeneratedRegex(@"^1\.(?<minor>0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex OciVersionRegex();

    [GeneratedRegex(@"^[0-9, -]*$", RegexOptions.CultureInvariant)]
    private static partial Regex CpuListRegex();

    /// <summary>A namespace of linux.namespaces: where it is listed and the path it joins, if any.</summary>
    private readonly record struct NamespaceEntry(int Index, string? Path);

    private sealed class Context
    {
        public Context(List<LinuxNamespace>? namespaces)
        {
            if (namespaces is null)
            {
                return;
            }
            for (int i = 0; i < namespaces.Count; i++)
            {
                if (namespaces[i] is { } ns && LinuxNamespaceTypes.TryParse(ns.Type, out LinuxNamespaceType type))
                {
                    Namespaces.TryAdd(type, new NamespaceEntry(i, string.IsNullOrEmpty(ns.Path) ? null : ns.Path));
                }
            }
        }

        public List<SpecError> Errors { get; } = [];

        /// <summary>The first entry of each known namespace type.</summary>
        public Dictionary<LinuxNamespaceType, NamespaceEntry> Namespaces { get; } = [];

        public void Add(string path, string message) => Errors.Add(new SpecError(path, message));
    }
}
