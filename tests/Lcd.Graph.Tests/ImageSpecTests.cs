using Lcd.Graph.Oci;

namespace Lcd.Graph.Tests;

public sealed class ImageSpecTests : IDisposable
{
    private readonly TempDir _rootfs = new();

    public ImageSpecTests()
    {
        Directory.CreateDirectory(_rootfs["etc"]);
        File.WriteAllText(_rootfs["etc/passwd"], "root:x:0:0:root:/root:/bin/sh\n# comment\nwww-data:x:33:33::/var/www:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\n");
        File.WriteAllText(_rootfs["etc/group"], "root:x:0:\nwww-data:x:33:\nstaff:x:50:app,other\naudio:x:29:app\napp:x:1000:\n");
    }

    private static ImageConfig Config(ContainerConfig config) => new() { Architecture = "amd64", Os = "linux", Config = config, RootFs = new RootFs { DiffIds = [] } };

    [Fact]
    public void Create_ImageDefaults_AsDockerRun()
    {
        ImageRunSpec run = ImageSpec.Create(Config(new ContainerConfig
        {
            Entrypoint = ["/entry.sh"],
            Cmd = ["serve", "--port", "80"],
            Env = ["PATH=/opt/bin:/bin", "LANG=C.UTF-8"],
            WorkingDir = "/srv",
            User = "app",
            ExposedPorts = new() { ["80/tcp"] = new EmptyObject(), ["53/udp"] = new EmptyObject() },
            Volumes = new() { ["/data"] = new EmptyObject() },
            StopSignal = "SIGQUIT",
            Labels = new() { ["org.example.team"] = "core" },
        }), _rootfs.Path);
        var spec = run.Spec;
        spec.Root!.Path.Should().Be(_rootfs.Path);
        spec.Root.Readonly.Should().BeFalse("docker run's rootfs is writable");
        spec.Process!.Terminal.Should().BeFalse("no -t, no terminal (RuntimeSpec.CreateDefault turns it on)");
        spec.Process.Args.Should().Equal("/entry.sh", "serve", "--port", "80");
        spec.Process.Env.Should().Equal("PATH=/opt/bin:/bin", "LANG=C.UTF-8");
        spec.Process.Cwd.Should().Be("/srv");
        spec.Process.User.Uid.Should().Be(1000);
        spec.Process.User.Gid.Should().Be(1000);
        spec.Process.User.AdditionalGids.Should().Equal(50u, 29u);
        spec.Process.User.Username.Should().Be("app");
        run.ExposedPorts.Should().Equal("53/udp", "80/tcp");
        run.Volumes.Should().Equal("/data");
        run.StopSignal.Should().Be(3);
        spec.Annotations.Should().Contain("org.example.team", "core").And.Contain("org.opencontainers.image.stopSignal", "SIGQUIT");
    }

    [Fact]
    public void Create_Overrides_AsDockerRunFlags()
    {
        ImageConfig image = Config(new ContainerConfig { Entrypoint = ["/entry.sh"], Cmd = ["serve"], Env = ["A=1", "B=2"] });
        ImageSpec.Create(image, _rootfs.Path, new RunOptions { Cmd = ["debug"] }).Spec.Process!.Args.Should().Equal("/entry.sh", "debug");
        ImageSpec.Create(image, _rootfs.Path, new RunOptions { Entrypoint = ["sh"] }).Spec.Process!.Args.Should().Equal(["sh"], "--entrypoint drops the image's Cmd");
        ImageSpec.Create(image, _rootfs.Path, new RunOptions { Entrypoint = ["sh"], Cmd = ["-c", "x"] }).Spec.Process!.Args.Should().Equal("sh", "-c", "x");
        var spec = ImageSpec.Create(image, _rootfs.Path, new RunOptions { Env = ["B=3", "C=4"], Tty = true, WorkingDir = "/tmp", User = "33:staff", Hostname = "web" }).Spec;
        spec.Process!.Env.Should().Equal("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "A=1", "TERM=xterm", "B=3", "C=4");
        spec.Process.Terminal.Should().BeTrue();
        spec.Process.Cwd.Should().Be("/tmp");
        (spec.Process.User.Uid, spec.Process.User.Gid, spec.Process.User.Username).Should().Be((33u, 50u, "www-data"));
        spec.Hostname.Should().Be("web");
    }

    [Theory]
    [InlineData(null, 0u, 0u)]
    [InlineData("root", 0u, 0u)]
    [InlineData("1000", 1000u, 1000u)]
    [InlineData("4242", 4242u, 0u)]
    [InlineData("4242:4343", 4242u, 4343u)]
    [InlineData("app:www-data", 1000u, 33u)]
    [InlineData(":audio", 0u, 29u)]
    public void ResolveUser_NamesAndIds(string? user, uint uid, uint gid)
    {
        var resolved = ImageSpec.ResolveUser(_rootfs.Path, user);
        (resolved.Uid, resolved.Gid).Should().Be((uid, gid));
    }

    [Fact]
    public void ResolveUser_Unknown_Refused()
    {
        Action user = () => ImageSpec.ResolveUser(_rootfs.Path, "nobody-here");
        user.Should().Throw<GraphException>().WithMessage("unable to find user nobody-here*");
        Action group = () => ImageSpec.ResolveUser(_rootfs.Path, "app:nogroup");
        group.Should().Throw<GraphException>().WithMessage("unable to find group nogroup*");
    }

    [Fact]
    public void ResolveUser_AbsoluteSymlink_ResolvedInsideTheRootfs()
    {
        // /etc/passwd -> /../../etc/passwd-image: an absolute link with ups, resolved in the rootfs (never the host's file).
        File.Delete(_rootfs["etc/passwd"]);
        File.WriteAllText(_rootfs["etc/passwd-image"], "root:x:7:7::/:/bin/sh\n");
        File.CreateSymbolicLink(_rootfs["etc/passwd"], "/../../etc/passwd-image");
        ImageSpec.ResolveUser(_rootfs.Path, "root").Uid.Should().Be(7);
    }

    [Fact]
    public void Create_NoCommand_Refused()
    {
        Action create = () => ImageSpec.Create(Config(new ContainerConfig()), _rootfs.Path);
        create.Should().Throw<GraphException>().WithMessage("No command specified*");
    }

    [Theory]
    [InlineData("SIGTERM", 15)]
    [InlineData("TERM", 15)]
    [InlineData("sigkill", 9)]
    [InlineData("10", 10)]
    [InlineData("SIGRTMIN+3", 37)]
    public void ParseSignal_NamesAndNumbers(string signal, int number) => ImageSpec.ParseSignal(signal).Should().Be(number);

    public void Dispose() => _rootfs.Dispose();
}
