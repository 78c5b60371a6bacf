using LibContainer;
using Lcrun.Cli;
using Lcrun.Interop;

namespace Lcrun.Commands;

/// <summary>runc's checks of --console-socket against process.terminal, and the hand-off of the pty master.</summary>
internal static class ConsoleHandoff
{
    public static void Check(bool terminal, bool detach, string? consoleSocket)
    {
        if (detach && terminal && string.IsNullOrEmpty(consoleSocket))
        {
            throw new CliException("cannot allocate tty if runc will detach without setting console socket");
        }
        if ((!detach || !terminal) && !string.IsNullOrEmpty(consoleSocket))
        {
            throw new CliException("cannot use console socket if runc will not detach or allocate tty");
        }
    }

    /// <summary>Sends the process's pty master to the socket (SCM_RIGHTS) and closes our copy.</summary>
    public static void Send(IProcess process, string consoleSocket)
    {
        System.Runtime.InteropServices.SafeHandle master = process.TerminalHandle
            ?? throw new CliException("the container has no terminal to send to the console socket");
        Terminal.SetBlocking(master);
        ConsoleSocket.Send(consoleSocket, Terminal.SlaveName(master), master);
        process.Terminal?.Dispose();
    }
}
