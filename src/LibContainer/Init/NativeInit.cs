using System.Runtime.InteropServices;
using LibContainer.Interop;

namespace LibContainer.Init;

/// <summary>Finds the native init binary (lc-init) and keeps the sealed copy that is executed.</summary>
internal static class NativeInit
{
    public const string FileName = "lc-init";

    private static readonly Dictionary<string, SafeFd> s_copies = new(StringComparer.Ordinal);

    /// <summary>
    /// The path to execute: /proc/self/fd/N of a sealed memfd copy of <paramref name="path"/>, made
    /// once per process. The container can never write to the host's lc-init (CVE-2019-5736), and a
    /// copy unpacked from a NuGet package without its execute bit still runs.
    /// </summary>
    public static string ExecutablePath(string path)
    {
        lock (s_copies)
        {
            if (!s_copies.TryGetValue(path, out SafeFd? copy))
            {
                copy = Sys.SealedCopy(path, FileName);
                s_copies[path] = copy;
            }
            return $"/proc/self/fd/{copy.Fd}";
        }
    }

    /// <summary>
    /// The sealed copy behind a path from <see cref="ExecutablePath"/>, or null for any other path. The
    /// spawn maps it to a number above the child's other fds and executes that (InitSession.Spawn).
    /// </summary>
    public static SafeFd? CopyAt(string executablePath)
    {
        lock (s_copies)
        {
            foreach (SafeFd copy in s_copies.Values)
            {
                if (executablePath == $"/proc/self/fd/{copy.Fd}")
                {
                    return copy;
                }
            }
            return null;
        }
    }

    public static string Locate(string? configured)
    {
        if (configured is not null)
        {
            return Check(configured, "ContainerFactoryOptions.InitPath");
        }
        if (Environment.GetEnvironmentVariable(ContainerFactoryOptions.InitPathVariable) is { Length: > 0 } fromEnv)
        {
            return Check(fromEnv, $"${ContainerFactoryOptions.InitPathVariable}");
        }
        // Beside the app first (lcrun, a build's or a RID publish's output), then where the NuGet package
        // puts it in a portable app, then the directories the host loads native libraries from (a
        // single-file app with IncludeNativeLibrariesForSelfExtract extracts lc-init there). The RID is
        // spelled by hand: Enum.ToString is reflection, ~0.2 ms in a fresh native AOT process.
        string beside = Path.Combine(AppContext.BaseDirectory, FileName);
        if (File.Exists(beside))
        {
            return beside;
        }
        string architecture = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            Architecture.Arm => "arm",
            Architecture other => other.ToString().ToLowerInvariant(),
        };
        string packaged = Path.Combine(AppContext.BaseDirectory, "runtimes", $"linux-{architecture}", "native", FileName);
        if (File.Exists(packaged))
        {
            return packaged;
        }
        var looked = new List<string> { beside, packaged };
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchPath)
        {
            foreach (string dir in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                string candidate = Path.Combine(dir, FileName);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
                looked.Add(candidate);
            }
        }
        if (architecture != "x64")
        {
            throw new PlatformNotSupportedException(
                $"LibContainer's native init is built for linux-x64 only; this process is linux-{architecture}. " +
                $"Build lc-init for linux-{architecture} from the LibContainer sources and set ContainerFactoryOptions.InitPath or ${ContainerFactoryOptions.InitPathVariable}.");
        }
        throw new FileNotFoundException(
            $"The native init '{FileName}' was not found (looked in: {string.Join(", ", looked.Distinct())}). " +
            $"It comes with the LibContainer package (runtimes/linux-x64/native/{FileName}) and is copied next to the app by build and publish: " +
            $"publish for linux-x64 (or portable), keep it beside the app, or set ContainerFactoryOptions.InitPath or ${ContainerFactoryOptions.InitPathVariable} to its path.",
            FileName);
    }

    private static string Check(string path, string from) =>
        File.Exists(path) ? Path.GetFullPath(path) : throw new FileNotFoundException($"The native init named by {from} does not exist: {path}", path);
}
