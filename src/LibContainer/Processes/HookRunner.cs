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

        Task<(ExitStatus, bool)> exit = HelperProcess.WaitAsync(pid, hook.Timeout is int seconds and > 0 ? TimeSpan.FromSeconds(seconds) : null, cancellationToken);
        using var stderr = new FdStream(errRead, write: false);
        Task<string> errors = HelperProcess.ReadUpToAsync(stderr, 4096); // the first 4 KiB, for the error message
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

        (ExitStatus status, bool timedOut) = await exit.ConfigureAwait(false);
        if (timedOut)
        {
            throw new ContainerException($"{field}: {hook.Path} did not finish within its timeout of {hook.Timeout} s and was killed.");
        }
        if (status.ExitCode != 0)
        {
            string text = (await errors.ConfigureAwait(false)).Trim();
            throw new ContainerException($"{field}: {hook.Path} failed with {status}{(text.Length > 0 ? $": {text}" : "")}.");
        }
    }
}
