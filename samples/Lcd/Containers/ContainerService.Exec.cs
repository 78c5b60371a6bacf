using System.Globalization;
using Lcd.Api;
using Lcd.Graph;
using LibContainer;
using LibContainer.Spec;

namespace Lcd.Containers;

public sealed partial class ContainerService
{
    private readonly Dictionary<string, ExecEntry> _execs = new(StringComparer.Ordinal);

    /// <summary>POST /containers/{id}/exec: an exec instance of a running, unpaused container (409 otherwise, as dockerd).</summary>
    public ExecEntry CreateExec(ContainerEntry entry, ExecCreateRequest request)
    {
        ThrowIfCannotExec(entry);
        if (request.Cmd is not { Count: > 0 } || string.IsNullOrEmpty(request.Cmd[0]))
        {
            throw ApiException.BadRequest("No exec command specified");
        }
        if (request.Privileged)
        {
            throw ApiException.BadRequest("exec --privileged is not supported by lcd: run the container with the capabilities it needs (--cap-add)");
        }
        foreach (string e in request.Env ?? [])
        {
            if (e.Length == 0 || e[0] == '=')
            {
                throw ApiException.BadRequest($"invalid environment variable: \"{e}\"");
            }
        }
        var exec = new ExecEntry(NewId(), entry, request);
        lock (_lock)
        {
            _execs[exec.Id] = exec;
        }
        Publish(entry, "exec_create: " + string.Join(' ', request.Cmd), ("execID", exec.Id));
        return exec;
    }

    /// <summary>An exec instance by id; 404 "No such exec instance" otherwise.</summary>
    public ExecEntry GetExec(string id)
    {
        lock (_lock)
        {
            if (_execs.TryGetValue(id, out ExecEntry? exec))
            {
                return exec;
            }
        }
        throw ApiException.NotFound($"No such exec instance: {id}");
    }

    /// <summary>Claims the exec for its one start: 409 when it started before or its container cannot exec now.</summary>
    public void ClaimExec(ExecEntry exec)
    {
        lock (exec.Lock)
        {
            if (exec.Started)
            {
                throw ApiException.Conflict(exec.Running ? $"Error: Exec command {exec.Id} is already running" : $"Error: Exec command {exec.Id} has already run");
            }
            ThrowIfCannotExec(exec.Container);
            exec.Started = true;
        }
    }

    /// <summary>
    /// Runs a claimed exec through the library's IContainer.ExecAsync: the container's process spec
    /// (capabilities, rlimits, the container's user and env) with the exec's command, env on top, user
    /// (resolved in the container's /etc/passwd), working directory and terminal. Detached, its output
    /// goes nowhere, as dockerd's. A start that fails records exit code 126 (127: no such program) and
    /// throws an <see cref="ApiException"/> whose message names the step.
    /// </summary>
    public async Task<IProcess> StartExecAsync(ExecEntry exec, bool detach, CancellationToken cancellationToken)
    {
        ContainerEntry entry = exec.Container;
        ExecCreateRequest config = exec.Config;
        IProcess process;
        int exitCode = 126; // a start that fails: 127 when the program is not there
        try
        {
            IContainer container = entry.Runtime ?? throw ApiException.Conflict($"Container {entry.Record.Id} is not running");
            LibContainer.Spec.Process template = container.Config.Process ?? throw ApiException.Conflict($"Container {entry.Record.Id} has no process spec");
            var env = new List<string>(template.Env ?? []);
            void Set(string variable)
            {
                string name = variable.Split('=', 2)[0];
                env.RemoveAll(e => e.Split('=', 2)[0] == name);
                env.Add(variable);
            }
            if (config.Tty && !env.Any(e => e.StartsWith("TERM=", StringComparison.Ordinal)))
            {
                Set("TERM=xterm");
            }
            foreach (string e in config.Env ?? [])
            {
                Set(e);
            }
            string cwd = string.IsNullOrEmpty(config.WorkingDir) ? template.Cwd : config.WorkingDir;
            if (!cwd.StartsWith('/'))
            {
                throw ApiException.BadRequest($"the working directory '{cwd}' is invalid, it needs to be an absolute path");
            }
            User user;
            try
            {
                user = string.IsNullOrEmpty(config.User) ? template.User : ImageSpec.ResolveUser(container.Rootfs, config.User);
            }
            catch (Exception ex) when (ex is GraphException or IOException)
            {
                throw new ApiException(StatusCodes.Status500InternalServerError, ex.Message);
            }
            LibContainer.Spec.Process spec = template with
            {
                Args = [.. config.Cmd!],
                Env = env,
                Cwd = cwd,
                User = user,
                Terminal = config.Tty,
                ConsoleSize = config.Tty && exec.Size is { } size ? new Box { Height = size.Rows, Width = size.Columns } : null,
            };
            bool piped = !config.Tty && !detach;
            var options = new ExecOptions
            {
                Stdin = piped && config.AttachStdin ? StdioMode.Pipe : StdioMode.Null,
                Stdout = piped && config.AttachStdout ? StdioMode.Pipe : StdioMode.Null,
                Stderr = piped && config.AttachStderr ? StdioMode.Pipe : StdioMode.Null,
            };
            try
            {
                process = await container.ExecAsync(spec, options, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                throw ApiException.Conflict($"Container {entry.Record.Id} is not running");
            }
            catch (ContainerStartException ex)
            {
                // As runc words it: the CLI and people look for "executable file not found" / "permission denied".
                string errno = ex.Errno switch { 2 => ": no such file or directory", 13 => ": permission denied", _ => "" };
                exitCode = ex.Errno == 2 ? 127 : 126;
                throw new ApiException(StatusCodes.Status500InternalServerError, $"OCI runtime exec failed: {ex.Message}{errno}");
            }
            catch (SpecValidationException ex)
            {
                throw ApiException.BadRequest(ex.Message);
            }
        }
        catch (ApiException)
        {
            lock (exec.Lock)
            {
                exec.ExitCode = exitCode;
                exec.Running = false;
            }
            exec.Exited.TrySetResult(exitCode);
            throw;
        }
        (ushort Rows, ushort Columns)? latest;
        lock (exec.Lock)
        {
            exec.Process = process;
            exec.Pid = process.Pid;
            exec.Running = true;
            latest = exec.Size;
        }
        if (config.Tty && latest is { } asked)
        {
            // A resize that came while the process was being made.
            ResizeQuietly(process, asked.Rows, asked.Columns);
        }
        Log.ExecStarted(_logger, entry.Record.Id, exec.Id, process.Pid);
        Publish(entry, "exec_start: " + string.Join(' ', config.Cmd!), ("execID", exec.Id));
        if (detach && process.Terminal is { } terminal)
        {
            // Nobody reads a detached exec's terminal: drain it, or the process blocks once the pty's buffer is full.
            _ = terminal.CopyToAsync(Stream.Null, CancellationToken.None).ContinueWith(_ => terminal.Dispose(), TaskScheduler.Default);
        }
        _ = MonitorExecAsync(exec, process);
        return process;
    }

    private async Task MonitorExecAsync(ExecEntry exec, IProcess process)
    {
        ExitStatus status = await process.WaitForExitAsync().ConfigureAwait(false);
        int code = status.IsKnown ? status.Code : 255;
        lock (exec.Lock)
        {
            exec.ExitCode = code;
            exec.Running = false;
            exec.Process = null;
        }
        Log.ExecExited(_logger, exec.Container.Record.Id, exec.Id, code);
        Publish(exec.Container, "exec_die", ("execID", exec.Id), ("exitCode", code.ToString(CultureInfo.InvariantCulture)));
        exec.Exited.TrySetResult(code);
    }

    /// <summary>POST /exec/{id}/resize: the terminal's size now, or at the start when it has not started yet.</summary>
    public static void ResizeExec(ExecEntry exec, ushort rows, ushort columns)
    {
        if (!exec.Config.Tty)
        {
            throw ApiException.BadRequest($"exec {exec.Id} has no terminal (it was created without -t)");
        }
        IProcess? process;
        lock (exec.Lock)
        {
            exec.Size = (rows, columns);
            process = exec.Process;
        }
        if (process is not null)
        {
            ResizeQuietly(process, rows, columns);
        }
    }

    private static void ResizeQuietly(IProcess process, ushort rows, ushort columns)
    {
        try
        {
            process.ResizeTerminal(rows, columns);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ContainerException)
        {
            // The process ended meanwhile: its size no longer matters.
        }
    }

    /// <summary>The exec instances of a removed container go with it.</summary>
    private void ForgetExecs(ContainerEntry entry)
    {
        lock (_lock)
        {
            foreach (string id in _execs.Where(e => e.Value.Container == entry).Select(e => e.Key).ToList())
            {
                _execs.Remove(id);
            }
        }
    }

    private static void ThrowIfCannotExec(ContainerEntry entry)
    {
        if (!entry.IsRunning || entry.Runtime is null)
        {
            throw ApiException.Conflict($"Container {entry.Record.Id} is not running");
        }
        if (entry.Record.State.Paused)
        {
            throw ApiException.Conflict($"Container {entry.Record.Id} is paused, unpause the container before exec");
        }
    }
}
