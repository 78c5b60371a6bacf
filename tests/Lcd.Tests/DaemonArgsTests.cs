namespace Lcd.Tests;

public sealed class DaemonArgsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lcd-args-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config(string json)
    {
        string path = Path.Combine(_dir, "daemon.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Parse_DockerdFlags_BindOptions()
    {
        DaemonArgs.Parsed parsed = DaemonArgs.Parse(["-H", "unix:///tmp/a.sock", "--host=unix:///tmp/b.sock", "--data-root", "/d", "--exec-root=/e",
            "-p", "/p.pid", "--config-file", Config("{}"), "-l", "debug", "-G", "wheel", "--live-restore=false"]);

        parsed.Options.SocketPaths().Should().Equal("/tmp/a.sock", "/tmp/b.sock");
        parsed.Options.DataRoot.Should().Be("/d");
        parsed.Options.ExecRoot.Should().Be("/e");
        parsed.Options.Pidfile.Should().Be("/p.pid");
        parsed.Options.LogLevel.Should().Be("debug");
        parsed.Options.Group.Should().Be("wheel");
        parsed.Options.LiveRestore.Should().BeFalse();
    }

    [Fact]
    public void Parse_NoFlags_DockerdDefaultsInLcdPlaces()
    {
        DaemonOptions options = DaemonArgs.Parse(["--config-file", Config("{}")]).Options;

        options.SocketPaths().Should().Equal("/run/lcd.sock");
        options.DataRoot.Should().Be("/var/lib/lcd");
        options.ExecRoot.Should().Be("/run/lcd");
        options.Pidfile.Should().Be("/run/lcd.pid");
        options.LiveRestore.Should().BeTrue();
    }

    [Fact]
    public void Parse_ConfigFile_DaemonJsonKeys()
    {
        DaemonOptions options = DaemonArgs.Parse(["--config-file", Config("""
            { "hosts": ["unix:///tmp/f.sock"], "data-root": "/fd", "exec-root": "/fe", "pidfile": "/f.pid",
              "log-level": "warn", "group": "adm", "live-restore": false, }
            """)]).Options;

        options.SocketPaths().Should().Equal("/tmp/f.sock");
        options.DataRoot.Should().Be("/fd");
        options.LogLevel.Should().Be("warn");
        options.LiveRestore.Should().BeFalse();
    }

    [Fact]
    public void Parse_SettingInFlagAndFile_RefusedAsDockerdDoes()
    {
        string file = Config("""{ "data-root": "/from-file" }""");

        Action parse = () => DaemonArgs.Parse(["--config-file", file, "--data-root", "/from-flag"]);

        parse.Should().Throw<DaemonConfigException>()
            .WithMessage("*the following directives are specified both as a flag and in the configuration file: data-root: (from flag: /from-flag, from file: /from-file)*");
    }

    [Fact]
    public void Parse_UnknownKeyInFile_NamesIt()
    {
        string file = Config("""{ "storage-driver": "overlay2", "bogus": 1 }""");

        Action parse = () => DaemonArgs.Parse(["--config-file", file]);

        parse.Should().Throw<DaemonConfigException>().WithMessage("*don't match any configuration option: bogus, storage-driver");
    }

    [Theory]
    [InlineData("--bogus", "unknown flag: --bogus*")]
    [InlineData("--data-root", "flag needs an argument: --data-root*")]
    [InlineData("-H tcp://0.0.0.0:2375", "host 'tcp://0.0.0.0:2375': only unix:///path sockets are served*")]
    [InlineData("-H unix://relative.sock", "*must be absolute*")]
    [InlineData("--log-level loud", "*log level 'loud'*")]
    [InlineData("--live-restore=maybe", "invalid argument \"maybe\" for \"--live-restore\"*")]
    public void Parse_BadFlag_ClearError(string args, string message)
    {
        Action parse = () => DaemonArgs.Parse(["--config-file", Config("{}"), .. args.Split(' ')]);

        parse.Should().Throw<DaemonConfigException>().WithMessage(message);
    }

    [Fact]
    public void Parse_MissingExplicitConfigFile_Refused()
    {
        Action parse = () => DaemonArgs.Parse(["--config-file", Path.Combine(_dir, "absent.json")]);

        parse.Should().Throw<DaemonConfigException>().WithMessage("*absent.json: no such file");
    }
}
