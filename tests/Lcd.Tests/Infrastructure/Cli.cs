using System.Diagnostics;

namespace Lcd.Tests.Infrastructure;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs a program (the docker CLI, lcd itself) to its end, with a bound, and returns what it printed.</summary>
internal static class Cli
{
    public static async Task<CliResult> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        // The docker CLI must not read the developer's config or contexts.
        psi.Environment["DOCKER_CONFIG"] = Path.Combine(Path.GetTempPath(), "lcd-tests-docker-config");
        psi.Environment.Remove("DOCKER_HOST");
        psi.Environment.Remove("DOCKER_CONTEXT");
        foreach ((string key, string value) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not end in time; stderr: {await stderr}");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A run that must succeed: exit 0 (its stderr is the reason when not); returns the result.</summary>
    public static async Task<CliResult> Ok(Task<CliResult> run)
    {
        CliResult result = await run;
        result.ExitCode.Should().Be(0, result.Stderr);
        return result;
    }

    /// <summary>The docker CLI against <paramref name="daemon"/>, through DOCKER_HOST as a user would point it.</summary>
    public static Task<CliResult> DockerAsync(LcdDaemon daemon, params string[] args) =>
        RunAsync(Require.DockerCli(), args, new Dictionary<string, string> { ["DOCKER_HOST"] = daemon.Host });
}
