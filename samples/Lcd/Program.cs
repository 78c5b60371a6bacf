// lcd: a daemon in the shape of dockerd. Docker's Engine API (v1.41) on a unix socket, so the docker
// CLI, Docker.DotNet and Testcontainers are its clients; containers are made by LibContainer.
using Lcd;
using Lcd.Api;
using Lcd.Containers;
using Lcd.Daemon;
using Lcd.Graph;
using LibContainer;

DaemonArgs.Parsed parsed;
try
{
    parsed = DaemonArgs.Parse(args);
}
catch (DaemonConfigException ex)
{
    await Console.Error.WriteLineAsync($"lcd: {ex.Message}");
    return 1;
}
if (parsed.Help)
{
    Console.WriteLine(DaemonArgs.Usage);
    return 0;
}
if (parsed.Version)
{
    Console.WriteLine($"lcd version {DaemonInfo.Version}, API {ApiVersion.Current}, LibContainer {DaemonInfo.LibraryVersion}");
    return 0;
}

DaemonOptions options = parsed.Options;
PidFile pidFile;
IReadOnlyList<string> sockets;
try
{
    pidFile = PidFile.Acquire(options.Pidfile);
    sockets = options.SocketPaths();
    foreach (string socket in sockets)
    {
        UnixSocket.PrepareBind(socket);
    }
}
catch (Exception ex) when (ex is DaemonConfigException or IOException or UnauthorizedAccessException)
{
    await Console.Error.WriteLineAsync($"lcd: {ex.Message}");
    return 1;
}

using (pidFile)
{
    Directory.CreateDirectory(options.DataRoot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute);
    Directory.CreateDirectory(options.ExecRoot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

    WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args: []);
    builder.Logging.ClearProviders();
    builder.Logging.AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff ";
        o.UseUtcTimestamp = true;
    });
    builder.Logging.SetMinimumLevel(DaemonArgs.ToLogLevel(options.LogLevel));
    builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
    builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
    builder.WebHost.ConfigureKestrel(kestrel =>
    {
        kestrel.AddServerHeader = false;
        foreach (string socket in sockets)
        {
            kestrel.ListenUnixSocket(socket, HalfClose.Use);
        }
    });
    builder.Services.ConfigureHttpJsonOptions(json =>
    {
        json.SerializerOptions.PropertyNamingPolicy = null; // the Engine API's names are PascalCase, as declared
        json.SerializerOptions.TypeInfoResolverChain.Insert(0, EngineJsonContext.Default);
    });
    builder.Services.AddSingleton(options);
    builder.Services.AddSingleton(EngineIdentity.LoadOrCreate(options.DataRoot));
    // The drivers: graph (images, root filesystems) under the data root; exec (LibContainer) with its state under the exec root.
    builder.Services.AddSingleton(sp => new ImageStore(new GraphOptions { Root = Path.Combine(options.DataRoot, "graph") }, sp.GetRequiredService<ILoggerFactory>()));
    builder.Services.AddSingleton(sp => new RootfsDriver(sp.GetRequiredService<ImageStore>()));
    builder.Services.AddSingleton<IFactory>(sp => new ContainerFactory(
        new ContainerFactoryOptions { StateRoot = Path.Combine(options.ExecRoot, "libcontainer") }, sp.GetRequiredService<ILoggerFactory>()));
    // The network driver (CNI plugins) and the local volume driver, their state under the data root.
    builder.Services.AddSingleton(sp => new Lcd.Network.NetworkDriver(Networking.DriverOptions(options), sp.GetRequiredService<ILoggerFactory>()));
    builder.Services.AddSingleton<Lcd.Volumes.VolumeStore>();
    builder.Services.AddSingleton<EventBus>();
    builder.Services.AddSingleton<ContainerService>();
    builder.Services.AddHostedService<ContainerShutdown>();

    WebApplication app = builder.Build();
    app.Use(HalfClose.Middleware);
    app.Use(ApiErrors.Middleware);
    app.Use(StreamShutdown.Middleware);
    app.Use(ApiVersion.Middleware);
    app.UseRouting(); // after the /v1.xx prefix is stripped, so each endpoint is mapped once
    SystemEndpoints.Map(app);
    ContainerEndpoints.Map(app);
    AttachEndpoints.Map(app);
    ContainerRuntimeEndpoints.Map(app);
    ExecEndpoints.Map(app);
    EventEndpoints.Map(app);
    ImageEndpoints.Map(app);
    ImageTransferEndpoints.Map(app);
    ArchiveEndpoints.Map(app);
    NetworkEndpoints.Map(app);
    VolumeEndpoints.Map(app);
    DiskUsageEndpoints.Map(app);
    if (options.LoadBusybox)
    {
        ImageStore images = app.Services.GetRequiredService<ImageStore>();
        if (images.Find("busybox:latest") is null)
        {
            try
            {
                await BusyboxImage.BuildAsync(images);
            }
            catch (FileNotFoundException ex)
            {
                await Console.Error.WriteLineAsync($"lcd: --load-busybox: {ex.Message}");
                return 1;
            }
        }
    }
    await app.Services.GetRequiredService<ContainerService>().LoadAsync(CancellationToken.None);
    await app.Services.GetRequiredService<ContainerService>().StartNetworkAsync(CancellationToken.None);

    ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Lcd");
    app.Lifetime.ApplicationStarted.Register(() =>
    {
        foreach (string socket in sockets)
        {
            UnixSocket.SetAccess(socket, options.Group);
        }
        string listening = string.Join(", ", sockets);
        Log.DaemonListening(logger, listening, options.DataRoot, Environment.ProcessId);
    });
    try
    {
        await app.RunAsync();
    }
    catch (Exception ex) when (ex is IOException or DaemonConfigException)
    {
        Log.DaemonFailed(logger, ex);
        return 1;
    }
    finally
    {
        foreach (string socket in sockets)
        {
            File.Delete(socket);
        }
    }
    Log.DaemonStopped(logger);
}
return 0;
