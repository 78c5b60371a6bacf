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
        string rid = $"linux-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";
        var candidates = new List<string>();
        foreach (string dir in new[] { AppContext.BaseDirectory })
        {
            candidates.Add(Path.Combine(dir, FileName));
            candidates.Add(Path.Combine(dir, "runtimes", rid, "native", FileName));
        }
        foreach (string candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException(
            $"The native init '{FileName}' was not found (looked in: {string.Join(", ", candidates.Distinct())}). " +
            $"Build src/LibContainer (it compiles the init with gcc), or set ${ContainerFactoryOptions.InitPathVariable}.");
    }

    private static string Check(string path, string from) =>
        File.Exists(path) ? Path.GetFullPath(path) : throw new FileNotFoundException($"The native init named by {from} does not exist: {path}", path);
}
