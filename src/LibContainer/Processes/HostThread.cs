using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace LibContainer.Processes;

/// <summary>
/// One thread that lives as long as the process, for spawns whose children must die with the
/// process and not before: the kernel sends PR_SET_PDEATHSIG when the child's parent thread exits,
/// and a pool thread that spawned it may retire at any time. Started on first use.
/// </summary>
internal static class HostThread
{
    private static readonly BlockingCollection<Action> s_work = [];
    private static readonly Lazy<Thread> s_thread = new(() =>
    {
        var thread = new Thread(() =>
        {
            foreach (Action work in s_work.GetConsumingEnumerable())
            {
                work();
            }
        })
        { IsBackground = true, Name = "LibContainer host thread" };
        thread.Start();
        return thread;
    });

    /// <summary>Runs <paramref name="work"/> on the host thread and returns its result (or throws its exception) here.</summary>
    public static T Run<T>(Func<T> work)
    {
        _ = s_thread.Value;
        T result = default!;
        ExceptionDispatchInfo? error = null;
        using var done = new ManualResetEventSlim();
        s_work.Add(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception ex)
            {
                error = ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                done.Set();
            }
        });
        done.Wait();
        error?.Throw();
        return result;
    }
}
