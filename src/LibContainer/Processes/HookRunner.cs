using System.Text;
using LibContainer.Interop;
using LibContainer.Processes;
using LibContainer.Spec;
using Tmds.Linux;

namespace LibContainer.Processes;

/// <summary>
/// Runs the hooks that belong to the runtime's namespace (prestart, createRuntime, poststart,
/// poststop): the hook's path, args and env as the spec gives them, the container's state JSON on
/// stdin, killed when its timeout passes. createContainer and startContainer hooks run in the
/// container's namespaces, so the native init runs those (InitOp.RunHook).
/// </summary>
internal static class HookRunner
{
    public static async Task RunAllAsync(List<Hook>? hooks, string field, ContainerState state, CancellationToken cancellationToken)
    {
        for (int i = 0; i < (hooks?.Count ?? 0); i++)
        {
            await RunAsync(hooks![i], $"{field}[{i}]", state, cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task RunAsync(Hook hook, string field, ContainerState state, CancellationToken cancellationToken)
    {
        (SafeFd stdinRead, SafeFd stdinWrite) = Sys.Pipe();
        (SafeFd errRead, SafeFd errWrite) = Sys.Pipe();
        using SafeFd devNull = Sys.Open("/dev/null", LibC.O_RDWR);
        int pid;
        try
        {
            pid = Sys.Spawn(hook.Path, hook.Args is { Count: > 0 } args ? args : [hook.Path], hook.Env ?? [],
                [(stdinRead, 0), (devNull, 1), (errWrite, 2)]);
        }
        catch (SyscallException ex)
        {
            stdinWrite.Dispose();
            errRead.Dispose();
            throw new ContainerException($"{field}: cannot run {hook.Path}: {SyscallException.Describe(ex.Errno)}.", ex);
        }
        finally
        {
            stdinRead.Dispose();
            errWrite.Dispose();
        }

        ulong startTime = ProcStat.TryRead(pid)?.StartTime ?? 0;
        Task<ExitStatus> exit = Reaper.Shared.WatchAsync(pid, startTime);
        using var stderr = new FdStream(errRead, write: false);
        Task<string> errors = ReadSomeAsync(stderr);
        using (var stdin = new FdStream(stdinWrite, write: true))
        {
            try
            {
                await stdin.WriteAsync(Encoding.UTF8.GetBytes(state.ToJson()), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The hook need not read its stdin.
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (hook.Timeout is int seconds and > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        }
        ExitStatus status;
        try
        {
            status = await exit.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Sys.Kill(pid, (int)Signal.Kill);
            await exit.ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            throw new ContainerException($"{field}: {hook.Path} did not finish within its timeout of {hook.Timeout} s and was killed.");
        }
        finally
        {
            Reaper.Shared.Forget(pid, startTime);
        }
        if (status.ExitCode != 0)
        {
            string text = (await errors.ConfigureAwait(false)).Trim();
            throw new ContainerException($"{field}: {hook.Path} failed with {status}{(text.Length > 0 ? $": {text}" : "")}.");
        }
    }

    /// <summary>The first 4 KiB of a hook's stderr, for the error message.</summary>
    private static async Task<string> ReadSomeAsync(Stream stream)
    {
        byte[] buffer = new byte[4096];
        int total = 0;
        try
        {
            int n;
            while (total < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(total)).ConfigureAwait(false)) > 0)
            {
                total += n;
            }
        }
        catch (IOException)
        {
        }
        return Encoding.UTF8.GetString(buffer, 0, total);
    }
}
