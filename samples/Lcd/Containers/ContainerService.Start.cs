using System.Buffers;
using System.IO.Pipelines;
using Lcd.Api;
using Lcd.Graph;
using LibContainer;

namespace Lcd.Containers;

public sealed partial class ContainerService
{
    /// <summary>A run: the library creates and starts the container; its output goes to the log and to attached clients.</summary>
    /// <returns>False when it was already running (the API answers 304).</returns>
    /// <param name="wanted">For a restart by policy: checked under the gate, so a stop that came first wins (false: nothing started).</param>
    private async Task<bool> StartRunAsync(ContainerEntry entry, CancellationToken cancellationToken, Func<bool>? wanted = null)
    {
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (entry.IsRunning || (wanted is not null && !wanted()))
            {
                return false;
            }
            if (wanted is not null)
            {
                entry.Record.RestartCount++;
            }
            ContainerRecord record = entry.Record;
            ImageRecord image = Images.Get(record.Image);
            ImageRunSpec run = BuildSpec(record, Images.GetConfig(image), Path.Combine(Rootfs.ContainerDirectory(record.Id), "merged"));
            bool stdin = record.Config.OpenStdin;
            bool tty = record.Config.Tty; // then the terminal (IProcess.Terminal) is stdin, stdout and stderr
            // The hubs of this run: clients that attached before the start are already subscribed.
            OutputHub output = entry.Output;
            OutputHub logged = entry.Logged;
            var nextExit = entry.NextExit;
            if (nextExit.Task.IsCompleted)
            {
                entry.NextExit = nextExit = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            // Without a terminal the output goes through fifos under the exec root, which outlive the daemon
            // (live restore); a terminal's master is held by the daemon and ends with it.
            string fifos = FifoDirectory(record.Id);
            System.IO.Directory.CreateDirectory(fifos);
            StdioFifo? stdoutFifo = null;
            StdioFifo? stderrFifo = null;
            IContainer container;
            bool mounted = false;
            try
            {
                ApplyMounts(record, run.Spec);
                Rootfs.Mount(record.Id); // released when the run ends (RecordExitAsync)
                mounted = true;
                await AttachNetworkAsync(entry, run, cancellationToken).ConfigureAwait(false);
                if (!tty)
                {
                    stdoutFifo = StdioFifo.Create(Path.Combine(fifos, "stdout"));
                    stderrFifo = StdioFifo.Create(Path.Combine(fifos, "stderr"));
                }
                container = await Factory.RunAsync(record.Id, run.Spec, new ContainerOptions
                {
                    Stdin = stdin && !tty ? StdioMode.Pipe : StdioMode.Null,
                    Stdout = tty ? StdioMode.Null : StdioMode.File,
                    StdoutFile = stdoutFifo?.ContainerEnd,
                    Stderr = tty ? StdioMode.Null : StdioMode.File,
                    StderrFile = stderrFifo?.ContainerEnd,
                    DestroyOnDispose = false,
                }, cancellationToken).ConfigureAwait(false);
                stdoutFifo?.CloseContainerEnd();
                stderrFifo?.CloseContainerEnd();
            }
            catch (Exception ex) when (ex is ContainerException or ArgumentException or LibContainer.Spec.SpecValidationException or SyscallException or ApiException or GraphException)
            {
                await DetachNetworkAsync(record.Id).ConfigureAwait(false);
                ReleaseRootfs(record.Id, mounted);
                stdoutFifo?.Dispose();
                stderrFifo?.Dispose();
                System.IO.Directory.Delete(fifos, recursive: true);
                output.Close();
                entry.Output = new OutputHub();
                // The docker CLI picks its exit code from Go's lowercase errno text: 127 for a missing program, 126 for one it may not run.
                string errno = (ex as ContainerStartException)?.Errno switch
                {
                    2 => ": no such file or directory",
                    13 => ": permission denied",
                    _ => "",
                };
                int code = errno.Length == 0 ? 128 : errno.Contains("permission", StringComparison.Ordinal) ? 126 : 127;
                record.State = record.State with { Status = "created", ExitCode = code, Error = ex.Message };
                await SaveAsync(entry, CancellationToken.None).ConfigureAwait(false);
                // A network or mount refused keeps its status and words (404 network not found, 409 port taken).
                var error = ex as ApiException ?? ApiException.BadRequest($"failed to create task for container: {ex.Message}{errno}");
                nextExit.TrySetResult(code); // a client waiting for the next exit (docker run) is not left hanging
                if (record.HostConfig.AutoRemove)
                {
                    // As dockerd: a --rm container whose start failed is removed (its name is free again).
                    entry.Gate.Release();
                    try
                    {
                        await RemoveAsync(entry, force: true, CancellationToken.None, removeVolumes: true).ConfigureAwait(false);
                    }
                    finally
                    {
                        await entry.Gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                }
                throw error;
            }
            catch
            {
                await DetachNetworkAsync(record.Id).ConfigureAwait(false);
                ReleaseRootfs(record.Id, mounted);
                stdoutFifo?.Dispose();
                stderrFifo?.Dispose();
                System.IO.Directory.Delete(fifos, recursive: true);
                throw;
            }
            entry.Runtime = container;
            record.State = new ContainerStateJson
            {
                Status = "running",
                Running = true,
                Pid = container.InitProcess.Pid,
                StartedAt = Now(),
            };
            await SaveAsync(entry, CancellationToken.None).ConfigureAwait(false);
            Log.ContainerStarted(_logger, record.Id, container.InitProcess.Pid);
            Publish(entry, "start");
            FollowOutput(entry, container, stdoutFifo, stderrFifo, output, logged, nextExit);
            return true;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private static async Task PumpAsync(PipeReader reader, byte stream, OutputHub hub)
    {
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    if (segment.IsEmpty)
                    {
                        continue;
                    }
                    hub.Publish(new OutputChunk(stream, DateTimeOffset.UtcNow, segment.ToArray()));
                }
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private async Task WriteLogAsync(ContainerEntry entry, System.Threading.Channels.ChannelReader<OutputChunk> chunks, OutputHub logged)
    {
        LogConfig? config = entry.Record.HostConfig.LogConfig;
        await using var log = new JsonFileLog(entry.Record.LogPath, config is null ? LogOptions.Unlimited : LogOptions.Parse(config.Type, config.Config));
        await foreach (OutputChunk chunk in chunks.ReadAllAsync().ConfigureAwait(false))
        {
            await entry.LogLock.WaitAsync().ConfigureAwait(false);
            try
            {
                await log.WriteAsync(chunk, CancellationToken.None).ConfigureAwait(false);
                logged.Publish(chunk);
            }
            catch (IOException ex)
            {
                Log.ContainerLogFailed(_logger, entry.Record.Id, ex);
            }
            finally
            {
                entry.LogLock.Release();
            }
        }
    }

    /// <summary>
    /// Pumps the fifos into the output hub (attached clients) and the log, and watches the process: at its
    /// exit, records it and, for --rm, removes the container. At start and at a live restore.
    /// </summary>
    private void FollowOutput(ContainerEntry entry, IContainer container, StdioFifo? stdout, StdioFifo? stderr, OutputHub output, OutputHub logged, TaskCompletionSource<int> nextExit)
    {
        // The log writer subscribes before a byte is pumped.
        System.Threading.Channels.ChannelReader<OutputChunk> toLog = output.Subscribe();
        // With a terminal its output is one stream, logged as stdout (as Docker logs it).
        Task pumps = stdout is null || stderr is null
            ? PumpAsync(PipeReader.Create(container.InitProcess.Terminal!, new StreamPipeReaderOptions(leaveOpen: true)), 1, output)
            : Task.WhenAll(
                PumpAsync(PipeReader.Create(stdout.Output), 1, output),
                PumpAsync(PipeReader.Create(stderr.Output), 2, output));
        Task logWriter = WriteLogAsync(entry, toLog, logged);
        entry.Monitor = MonitorAsync(entry, container, pumps, logWriter, output, logged, nextExit, stdout, stderr);
    }

    /// <summary>Waits for the process, then records the exit, removes the library's container and, for --rm, the whole container.</summary>
    private async Task MonitorAsync(ContainerEntry entry, IContainer container, Task pumps, Task logWriter, OutputHub output, OutputHub logged,
        TaskCompletionSource<int> nextExit, StdioFifo? stdout, StdioFifo? stderr)
    {
        ExitStatus status = await container.InitProcess.WaitForExitAsync().ConfigureAwait(false);
        await pumps.ConfigureAwait(false);
        stdout?.Dispose();
        stderr?.Dispose();
        output.Close();
        await logWriter.ConfigureAwait(false);
        logged.Close();
        int code = status.IsKnown ? status.Code : 255;
        await RecordExitAsync(entry, container, code).ConfigureAwait(false);
        nextExit.TrySetResult(code);
        _ = RestartIfPolicySaysAsync(entry, code);
        if (entry.Record.HostConfig.AutoRemove)
        {
            try
            {
                await RemoveAsync(entry, force: true, CancellationToken.None, removeVolumes: true).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ApiException or IOException or GraphException)
            {
                Log.ContainerRemoveFailed(_logger, entry.Record.Id, ex);
            }
        }
    }

    /// <summary>The end of a run's use of the root filesystem (the last user unmounts it); a failure is logged, the run's end goes on.</summary>
    private void ReleaseRootfs(string id, bool mounted)
    {
        if (!mounted)
        {
            return;
        }
        try
        {
            Rootfs.Release(id);
        }
        catch (GraphException ex)
        {
            Log.RootfsReleaseFailed(_logger, id, ex);
        }
    }

    /// <summary>The directory of a container's output fifos under the exec root.</summary>
    private string FifoDirectory(string id) => Path.Combine(_execRoot, id);

    private async Task RecordExitAsync(ContainerEntry entry, IContainer container, int code)
    {
        // OOMKilled from the cgroup's oom_kill counter, read before the cgroup goes (no race with an event watcher).
        bool oomKilled = false;
        try
        {
            oomKilled = (await container.GetStatsAsync().ConfigureAwait(false)).Memory.OomKills > 0;
        }
        catch (Exception ex) when (ex is ContainerException or IOException or InvalidOperationException)
        {
            Log.ContainerStatsFailed(_logger, entry.Record.Id, ex);
        }
        async Task DestroyAsync()
        {
            try
            {
                await container.DestroyAsync().ConfigureAwait(false);
            }
            catch (ContainerException ex)
            {
                Log.ContainerDestroyFailed(_logger, entry.Record.Id, ex);
            }
        }
        // The library's container (cgroups, state) and the network sandbox (CNI DEL) are independent: both at once.
        await Task.WhenAll(DestroyAsync(), DetachNetworkAsync(entry.Record.Id)).ConfigureAwait(false);
        entry.Runtime = null;
        ReleaseRootfs(entry.Record.Id, mounted: true);
        string fifos = FifoDirectory(entry.Record.Id);
        if (System.IO.Directory.Exists(fifos))
        {
            System.IO.Directory.Delete(fifos, recursive: true);
        }
        entry.Output.Close();
        entry.Logged.Close();
        entry.Output = new OutputHub(); // the next start's
        entry.Logged = new OutputHub();
        entry.Record.State = entry.Record.State with
        {
            Status = "exited",
            Running = false,
            Paused = false,
            Pid = 0,
            ExitCode = code,
            OOMKilled = oomKilled,
            FinishedAt = Now(),
        };
        await SaveAsync(entry).ConfigureAwait(false);
        Log.ContainerExited(_logger, entry.Record.Id, code);
        Publish(entry, "die", ("exitCode", code.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>A container recorded as running when the daemon stopped: running still (live restore) or exited meanwhile.</summary>
    private async Task RestoreRunningAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        IContainer? container = null;
        try
        {
            container = await Factory.LoadAsync(entry.Record.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerNotFoundException)
        {
        }
        if (container is not null && container.Status is ContainerStatus.Running or ContainerStatus.Paused)
        {
            Rootfs.Mount(entry.Record.Id); // the run's mount, still in place: this daemon takes it over
            entry.Runtime = container;
            entry.Output.Close();
            entry.Logged.Close();
            entry.Output = new OutputHub();
            entry.Logged = new OutputHub();
            string fifos = FifoDirectory(entry.Record.Id);
            StdioFifo? stdout = null;
            try
            {
                // What the container wrote while no daemon read waits in the fifos; the log goes on from there.
                stdout = StdioFifo.Open(Path.Combine(fifos, "stdout"));
                StdioFifo stderr = StdioFifo.Open(Path.Combine(fifos, "stderr"));
                FollowOutput(entry, container, stdout, stderr, entry.Output, entry.Logged, entry.NextExit);
            }
            catch (SyscallException ex)
            {
                stdout?.Dispose();
                Log.ContainerOutputLost(_logger, entry.Record.Id, ex);
                TaskCompletionSource<int> nextExit = entry.NextExit;
                entry.Monitor = Task.Run(async () =>
                {
                    ExitStatus status = await container.InitProcess.WaitForExitAsync().ConfigureAwait(false);
                    int code = status.IsKnown ? status.Code : 255;
                    await RecordExitAsync(entry, container, code).ConfigureAwait(false);
                    nextExit.TrySetResult(code);
                }, CancellationToken.None);
            }
            return;
        }
        if (container is not null)
        {
            Rootfs.Mount(entry.Record.Id); // RecordExitAsync releases the run's mount
            ExitStatus status = await container.InitProcess.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            await RecordExitAsync(entry, container, status.IsKnown ? status.Code : 255).ConfigureAwait(false);
            return;
        }
        entry.Record.State = entry.Record.State with { Status = "exited", Running = false, Pid = 0, ExitCode = 255, FinishedAt = Now() };
        await SaveAsync(entry, cancellationToken).ConfigureAwait(false);
    }
}
