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

    public SignalForwarder(IProcess process)
    {
        foreach ((PosixSignal posix, Signal number) in s_forwarded)
        {
            _registrations.Add(PosixSignalRegistration.Create(posix, context =>
            {
                context.Cancel = true;
                process.SignalAsync(number).AsTask().ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            }));
        }
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
