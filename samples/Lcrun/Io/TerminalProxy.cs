using System.Runtime.InteropServices;
using LibContainer;
using Lcrun.Interop;

namespace Lcrun.Io;

/// <summary>
/// A foreground container's terminal: our stdin in raw mode (when it is a tty) copied to the pty
/// master, the master copied to our stdout, the pty sized like our terminal and resized on SIGWINCH.
/// </summary>
internal sealed class TerminalProxy : IAsyncDisposable
{
    private readonly byte[]? _savedMode;
    private readonly Task _output;
    private readonly PosixSignalRegistration? _winch;

    private TerminalProxy(IProcess process, Stream terminal)
    {
        if (Terminal.IsTerminal(0))
        {
            _savedMode = Terminal.MakeRaw(0);
        }
        Resize(process);
        _winch = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context =>
        {
            context.Cancel = true;
            Resize(process);
        });
        _output = CopyAsync(terminal, Console.OpenStandardOutput());
        _ = Task.Run(() => CopyAsync(Console.OpenStandardInput(), terminal));
    }

    public static TerminalProxy Start(IProcess process) =>
        new(process, process.Terminal ?? throw new InvalidOperationException("the process has no terminal"));

    private static void Resize(IProcess process)
    {
        if ((Terminal.WindowSize(0) ?? Terminal.WindowSize(1)) is (ushort rows, ushort columns) && rows > 0)
        {
            try
            {
                process.ResizeTerminal(rows, columns);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or LibContainer.ContainerException)
            {
                // The process may be gone already; the size no longer matters.
            }
        }
    }

    private static async Task CopyAsync(Stream from, Stream to)
    {
        byte[] buffer = new byte[16 * 1024];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
                await to.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or LibContainer.ContainerException)
        {
            // The other side is gone (the container exited, or our stdin closed).
        }
    }

    /// <summary>After the process exited: the rest of its output (bounded wait), then our terminal back as it was.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAny(_output, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        _winch?.Dispose();
        if (_savedMode is not null)
        {
            Terminal.Restore(0, _savedMode);
        }
    }
}
