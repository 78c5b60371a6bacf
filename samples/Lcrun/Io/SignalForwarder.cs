using System.Runtime.InteropServices;
using LibContainer;

namespace Lcrun.Io;

/// <summary>
/// For a foreground run or exec: the signals lcrun gets (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
/// SIGUSR2) go to the container's process instead of ending lcrun, as runc's signal handler does.
/// </summary>
internal sealed class SignalForwarder : IDisposable
{
    private static readonly (PosixSignal Signal, Signal Number)[] s_forwarded =
    [
        (PosixSignal.SIGINT, Signal.Interrupt),
        (PosixSignal.SIGTERM, Signal.Terminate),
        (PosixSignal.SIGHUP, Signal.Hangup),
        (PosixSignal.SIGQUIT, Signal.Quit),
        ((PosixSignal)10, Signal.User1),
        ((PosixSignal)12, Signal.User2),
    ];

    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly Lock _gate = new();
    private readonly List<Signal> _early = [];
    private IProcess? _process;

    public SignalForwarder(IProcess process)
        : this()
    {
        Attach(process);
    }

    /// <summary>
    /// Registered before the process exists (run, whose container starts inside the library's
    /// RunAsync): what comes before <see cref="Attach"/> is kept and sent then, in order.
    /// </summary>
    public SignalForwarder()
    {
        foreach ((PosixSignal posix, Signal number) in s_forwarded)
        {
            _registrations.Add(PosixSignalRegistration.Create(posix, context =>
            {
                context.Cancel = true;
                IProcess? target;
                lock (_gate)
                {
                    target = _process;
                    if (target is null)
                    {
                        _early.Add(number);
                        return;
                    }
                }
                Send(target, number);
            }));
        }
    }

    public void Attach(IProcess process)
    {
        List<Signal> early;
        lock (_gate)
        {
            _process = process;
            early = [.. _early];
            _early.Clear();
        }
        foreach (Signal number in early)
        {
            Send(process, number);
        }
    }

    private static void Send(IProcess process, Signal number) =>
        process.SignalAsync(number).AsTask().ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
