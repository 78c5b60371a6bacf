using System.Runtime.InteropServices;

namespace LibContainer.Init;

/// <summary>Finds the native init binary (lc-init).</summary>
internal static class NativeInit
{
    public const string FileName = "lc-init";

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
