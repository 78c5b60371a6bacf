using System.Net;
using System.Text;
using Lcd.Api;
using Lcd.Containers;
using Lcd.Tests.Infrastructure;

namespace Lcd.Tests;

/// <summary>Restart policies: dockerd's rules (unit), and the docker CLI against lcd on real containers.</summary>
public sealed class RestartPolicyTests : DaemonTest
{
    [Theory]
    [InlineData("no", 0, 1, false, 0, false)]
    [InlineData("always", 0, 0, true, 7, true)]
    [InlineData("unless-stopped", 0, 0, false, 0, true)]
    [InlineData("unless-stopped", 0, 0, true, 0, false)]
    [InlineData("on-failure", 0, 0, false, 0, false)]
    [InlineData("on-failure", 0, 1, false, 100, true)]
    [InlineData("on-failure", 3, 1, false, 2, true)]
    [InlineData("on-failure", 3, 1, false, 3, false)]
    public void PolicyRestarts_DockerdsRule(string name, int max, int exitCode, bool manuallyStopped, int count, bool expected) =>
        ContainerService.PolicyRestarts(new RestartPolicy { Name = name, MaximumRetryCount = max }, exitCode, manuallyStopped, count).Should().Be(expected);

    [Fact]
    public void NextRestartDelay_DoublesFrom100ms_CappedAtAMinute_ResetAfterTenSecondRun()
    {
        TimeSpan delay = TimeSpan.Zero;
        var delays = new List<double>();
        for (int i = 0; i < 12; i++)
        {
            delay = ContainerService.NextRestartDelay(delay, TimeSpan.FromSeconds(1));
            delays.Add(delay.TotalMilliseconds);
        }

        delays.Should().Equal(100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000);
        ContainerService.NextRestartDelay(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10)).Should().Be(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task OnFailureMax2_FailingContainer_RestartedTwiceThenExited()
    {
        string id = (await Docker("run", "-d", "--restart", "on-failure:2", "busybox", "sh", "-c", "echo ran; exit 3")).Stdout.Trim();

        await UntilAsync(id, "{{.State.Status}} {{.RestartCount}}", "exited 2");
        (await Docker("logs", id)).Stdout.Should().Be("ran\nran\nran\n", "the first run and two restarts");
        (await Docker("inspect", "-f", "{{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}", id))
            .Stdout.Trim().Should().Be("3 on-failure 2");
        (await Docker("rm", id)).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task Always_ExitingContainer_RestartsUntilStopped_ThenStaysStopped()
    {
        string id = (await Docker("run", "-d", "--restart", "always", "busybox", "sh", "-c", "echo ran; sleep 0.2")).Stdout.Trim();
        await UntilAsync(id, "{{if ge .RestartCount 2}}restarted{{end}}", "restarted");

        CliResult stop = await Docker("stop", "-t", "1", id);

        stop.ExitCode.Should().Be(0, stop.Stderr);
        (await Docker("inspect", "-f", "{{.State.Status}}", id)).Stdout.Trim().Should().Be("exited");
        string count = (await Docker("inspect", "-f", "{{.RestartCount}}", id)).Stdout.Trim();
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken); // longer than the backoff so far
        (await Docker("inspect", "-f", "{{.State.Status}} {{.RestartCount}}", id)).Stdout.Trim().Should().Be($"exited {count}", "docker stop holds the policy");
        (await Docker("rm", id)).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task DaemonRestart_AlwaysStartsAgain_UnlessStoppedStoppedByHandStaysStopped()
    {
        string always = (await Docker("run", "-d", "--restart", "always", "busybox", "sleep", "300")).Stdout.Trim();
        string unless = (await Docker("run", "-d", "--restart", "unless-stopped", "busybox", "sleep", "300")).Stdout.Trim();
        string unlessRunning = (await Docker("run", "-d", "--restart", "unless-stopped", "busybox", "sleep", "300")).Stdout.Trim();
        (await Docker("stop", "-t", "0", always, unless)).ExitCode.Should().Be(0);

        await Lcd.StopAsync(); // with --live-restore=false the running one is stopped by the daemon, not by hand
        Lcd = await LcdDaemon.RestartAsync(Lcd);

        (await Docker("inspect", "-f", "{{.State.Status}}", always)).Stdout.Trim().Should().Be("running", "always starts at daemon start, even stopped by hand");
        (await Docker("inspect", "-f", "{{.State.Status}}", unless)).Stdout.Trim().Should().Be("exited", "unless-stopped stopped by hand stays stopped");
        (await Docker("inspect", "-f", "{{.State.Status}}", unlessRunning)).Stdout.Trim().Should().Be("running", "the daemon's shutdown is not a stop by hand");
        (await Docker("rm", "-f", always, unless, unlessRunning)).ExitCode.Should().Be(0);
    }

    [Theory]
    [InlineData("""{"Name": "bogus"}""", false, "unknown policy 'bogus'")]
    [InlineData("""{"Name": "always", "MaximumRetryCount": 3}""", false, "maximum retry count can only be used with 'on-failure'")]
    [InlineData("""{"Name": "on-failure", "MaximumRetryCount": -1}""", false, "cannot be negative")]
    [InlineData("""{"Name": "always"}""", true, "can't create 'AutoRemove' container with restart policy")]
    public async Task Create_BadRestartPolicy_400NamingIt_NothingMade(string policy, bool autoRemove, string message)
    {
        using HttpClient http = Lcd.CreateHttpClient();
        string body = $$$"""{"Image": "busybox", "Cmd": ["true"], "HostConfig": {"AutoRemove": {{{(autoRemove ? "true" : "false")}}}, "RestartPolicy": {{{policy}}} } }""";

        using HttpResponseMessage response = await http.PostAsync("/v1.41/containers/create",
            new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        using var error = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        error.RootElement.GetProperty("message").GetString().Should().Contain(message);
        (await Docker("ps", "-aq")).Stdout.Trim().Should().BeEmpty();
    }

    /// <summary>Polls docker inspect with a format until it prints the expected text.</summary>
    private async Task UntilAsync(string id, string format, string expected)
    {
        string last = "";
        for (int attempt = 0; attempt < 300; attempt++)
        {
            last = (await Docker("inspect", "-f", format, id)).Stdout.Trim();
            if (last == expected)
            {
                return;
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        last.Should().Be(expected, $"inspect -f '{format}' should come to it");
    }
}
