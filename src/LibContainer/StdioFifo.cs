using LibContainer.Interop;
using Tmds.Linux;

namespace LibContainer;

/// <summary>
/// A named pipe for a container's stdout or stderr that outlives the process reading it: what a
/// daemon needs to keep its containers' output across its own restart (containerd's shim holds
/// fifos for that). The container gets the fifo opened read-write (<see cref="ContainerEnd"/>, for
/// <see cref="ContainerOptions.StdoutFile"/> with <see cref="StdioMode.File"/>), so it always has a
/// reader: while nobody reads, its writes wait in the pipe's buffer instead of failing with EPIPE, and
/// a reader that comes back (<see cref="Open"/>) finds them, as long as the container still holds it
/// (the kernel drops a fifo's buffer when its last open end closes, so what a container wrote just
/// before it exited while nobody read is lost). <see cref="Output"/> ends when every process of the
/// container holding it has exited.
/// </summary>
public sealed class StdioFifo : IDisposable
{
    private SafeFd? _containerEnd;

    private StdioFifo(string path, SafeFd? containerEnd, Stream output)
    {
        Path = path;
        _containerEnd = containerEnd;
        Output = output;
    }

    /// <summary>The fifo's path.</summary>
    public string Path { get; }

    /// <summary>What the container writes, read without a blocked thread.</summary>
    public Stream Output { get; }

    /// <summary>The end to give the container (read-write); null after <see cref="CloseContainerEnd"/> or for a fifo reopened with <see cref="Open"/>.</summary>
    public System.Runtime.InteropServices.SafeHandle? ContainerEnd => _containerEnd;

    /// <summary>Makes the fifo (mode 0600; it must not exist) and opens both ends.</summary>
    /// <exception cref="SyscallException">mkfifo or open failed (the errno names why); nothing is left.</exception>
    public static StdioFifo Create(string path)
    {
        Sys.MkFifo(path, 0x180);
        SafeFd? reader = null;
        try
        {
            reader = Sys.Open(path, LibC.O_RDONLY | LibC.O_NONBLOCK);
            SafeFd containerEnd = Sys.Open(path, LibC.O_RDWR);
            return new StdioFifo(path, containerEnd, new FdStream(reader, write: false));
        }
        catch
        {
            reader?.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Reopens the reading end of a fifo made by <see cref="Create"/> (after the reader's restart): what was written meanwhile is read first.</summary>
    /// <exception cref="SyscallException">The fifo cannot be opened (ENOENT when it is gone).</exception>
    public static StdioFifo Open(string path) =>
        new(path, containerEnd: null, new FdStream(Sys.Open(path, LibC.O_RDONLY | LibC.O_NONBLOCK), write: false));

    /// <summary>Closes this process's copy of the container's end, once the container has it (after create); <see cref="Output"/> can then end.</summary>
    public void CloseContainerEnd()
    {
        _containerEnd?.Dispose();
        _containerEnd = null;
    }

    /// <summary>Closes both ends; the fifo stays on disk (delete <see cref="Path"/> when the container is gone).</summary>
    public void Dispose()
    {
        CloseContainerEnd();
        Output.Dispose();
    }
}
