using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LibContainer.Testing;

/// <summary>
/// Shared by the graph driver's and the daemon's tests (linked into each project).
/// Debian's docker-registry (distribution 2.8) on 127.0.0.1, a free port, storage in a temp dir; stopped and removed at the end.</summary>
internal sealed class Registry : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private Registry(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    public static async Task<Registry> StartAsync(string dir, (string User, string Password)? basicAuth = null)
    {
        Directory.CreateDirectory(dir);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        string auth = "";
        if (basicAuth is { } login)
        {
            string htpasswd = Path.Combine(dir, "htpasswd");
            using (Process tool = Process.Start(new ProcessStartInfo("htpasswd", ["-Bbc", htpasswd, login.User, login.Password]) { RedirectStandardError = true })!)
            {
                string error = await tool.StandardError.ReadToEndAsync();
                await tool.WaitForExitAsync();
                if (tool.ExitCode != 0)
                {
                    throw new InvalidOperationException($"htpasswd exited {tool.ExitCode}: {error}");
                }
            }
            auth = $"auth:\n  htpasswd:\n    realm: test-realm\n    path: {htpasswd}\n";
        }
        string config = Path.Combine(dir, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {Path.Combine(dir, "storage")}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{port}
            {auth}
            """);
        var start = new ProcessStartInfo("docker-registry") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(config);
        Process process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var registry = new Registry(process, dir, port);
        for (int i = 0; i < 600; i++) // 30 s: a loaded machine starts it slowly
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return registry;
            }
            catch (SocketException)
            {
                if (process.HasExited)
                {
                    break;
                }
                await Task.Delay(50);
            }
        }
        await registry.DisposeAsync();
        throw new InvalidOperationException($"docker-registry did not listen on {port}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
