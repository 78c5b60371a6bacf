using System.Diagnostics;

namespace LibContainer.Benchmarks;

/// <summary>An external OCI runtime (runc, crun) run as a child process: <c>&lt;runtime&gt; --root &lt;dir&gt; run --bundle &lt;bundle&gt; &lt;id&gt;</c>.</summary>
internal sealed class OciRuntime
{
    private readonly string _path;
    private readonly string _root;

    public OciRuntime(string name, string path, string root)
    {
        Name = name;
        _path = path;
        _root = root;
    }

    public string Name { get; }

    /// <summary>The full path of <paramref name="name"/> on PATH (plus the sbin directories sudo may drop), or null.</summary>
    public static string? Find(string name)
    {
        IEnumerable<string> dirs = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(p =>
            File.Exists(p) && (File.GetUnixFileMode(p) & UnixFileMode.UserExecute) != 0);
    }

    /// <summary>
    /// Runs the bundle in the foreground (the runtime waits for and reaps its container) and throws
    /// unless the container exited 0. The runtime's stdin is an empty pipe, its stdout and stderr are
    /// pipes drained here: System.Diagnostics.Process in .NET 10 cannot hand a child /dev/null, and
    /// /bin/true writes nothing. Stderr is kept for the exception.
    /// </summary>
    public void Run(string bundle, string id)
    {
        var start = new ProcessStartInfo(_path)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[] { "--root", _root, "run", "--bundle", bundle, id })
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{Name} did not start");
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        _ = stdout.GetAwaiter().GetResult();
        string errors = stderr.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Name} run {id}: exit code {process.ExitCode}, expected 0. stderr: {errors.Trim()}");
        }
    }
}
