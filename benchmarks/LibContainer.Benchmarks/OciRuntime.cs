using System.Diagnostics;

namespace LibContainer.Benchmarks;

/// <summary>
/// An external OCI runtime (runc, crun) run as a child process: <c>&lt;runtime&gt; --root &lt;dir&gt; run --bundle
/// &lt;bundle&gt; &lt;id&gt;</c>, or <c>create</c>, <c>start</c>, <c>exec</c> and <c>delete</c> one by one.
/// </summary>
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

    /// <summary>
    /// <c>create --bundle &lt;bundle&gt; &lt;id&gt;</c>: the container is made and waits for start. A
    /// container made without a terminal keeps the runtime's stdin, stdout and stderr (here pipes) as
    /// its own, so they never reach end-of-file while it lives: only the exit code is awaited, and
    /// stderr is read only when the runtime failed (then there is no container holding it).
    /// </summary>
    public Task CreateAsync(string bundle, string id, CancellationToken cancellationToken = default) =>
        InvokeAsync(["create", "--bundle", bundle, id], containerKeepsStdio: true, cancellationToken);

    /// <summary><c>start &lt;id&gt;</c>: the created container runs its program.</summary>
    public Task StartAsync(string id, CancellationToken cancellationToken = default) =>
        InvokeAsync(["start", id], containerKeepsStdio: false, cancellationToken);

    /// <summary><c>exec &lt;id&gt; &lt;args&gt;</c>: runs a process in the running container and waits for it; throws unless it exited 0.</summary>
    public Task ExecAsync(string id, string[] args, CancellationToken cancellationToken = default) =>
        InvokeAsync(["exec", id, .. args], containerKeepsStdio: false, cancellationToken);

    /// <summary><c>delete [--force] &lt;id&gt;</c>: with force, a running container is killed first.</summary>
    public Task DeleteAsync(string id, bool force, CancellationToken cancellationToken = default) =>
        InvokeAsync(force ? ["delete", "--force", id] : ["delete", id], containerKeepsStdio: false, cancellationToken);

    /// <summary>The ids in this runtime's state root (<c>list --quiet</c>).</summary>
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default)
    {
        string output = await InvokeAsync(["list", "--quiet"], containerKeepsStdio: false, cancellationToken);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l != "ID") // runc prints the header even when quiet if the root is empty
            .ToList();
    }

    /// <summary>The status <c>state &lt;id&gt;</c> reports (created, running, stopped, paused).</summary>
    public async Task<string> StatusAsync(string id, CancellationToken cancellationToken = default)
    {
        string json = await InvokeAsync(["state", id], containerKeepsStdio: false, cancellationToken);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.GetProperty("status").GetString() ?? "";
    }

    private async Task<string> InvokeAsync(string[] args, bool containerKeepsStdio, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_path)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("--root");
        start.ArgumentList.Add(_root);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{Name} did not start");
        process.StandardInput.Close();
        string command = $"{Name} {string.Join(' ', args)}";
        if (containerKeepsStdio)
        {
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                string errors = await process.StandardError.ReadToEndAsync(timeout.Token);
                throw new InvalidOperationException($"{command}: exit code {process.ExitCode}. stderr: {errors.Trim()}");
            }
            return "";
        }
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        string output = await stdout;
        string error = await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command}: exit code {process.ExitCode}. stderr: {error.Trim()}");
        }
        return output;
    }
}
