using System.Formats.Tar;
using System.IO.Compression;
using FluentAssertions;
using Xunit;

namespace LibContainer.Tests.Rootfs;

/// <summary>RootFilesystem.ExtractAsync: tarballs as `docker export` and distributions write them, and hostile ones.</summary>
public sealed class RootFilesystemTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("lc-rootfs-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string Target => Path.Combine(_work, "rootfs");

    private static MemoryStream Tar(params TarEntry[] entries)
    {
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (TarEntry entry in entries)
            {
                writer.WriteEntry(entry);
            }
        }
        stream.Position = 0;
        return stream;
    }

    private static PaxTarEntry File(string name, string content, UnixFileMode mode = (UnixFileMode)0b110_100_100) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)), Mode = mode };

    private static PaxTarEntry Dir(string name, UnixFileMode mode = (UnixFileMode)0b111_101_101) => new(TarEntryType.Directory, name) { Mode = mode };

    private static PaxTarEntry Link(string name, string target) => new(TarEntryType.SymbolicLink, name) { LinkName = target };

    [Fact]
    public async Task ExtractAsync_Rootfs_MakesFilesLinksAndModes()
    {
        using MemoryStream tar = Tar(Dir("./"), Dir("bin/"), File("bin/busybox", "ELF", (UnixFileMode)0b111_101_101), Link("bin/sh", "/bin/busybox"),
            new PaxTarEntry(TarEntryType.HardLink, "bin/ls") { LinkName = "bin/busybox" }, Dir("etc/"), File("etc/hostname", "box\n"),
            new PaxTarEntry(TarEntryType.CharacterDevice, "dev/null") { DeviceMajor = 1, DeviceMinor = 3 });

        string root = await RootFilesystem.ExtractAsync(tar, Target, Token);

        root.Should().Be(Target);
        System.IO.File.ReadAllText(Path.Combine(root, "etc/hostname")).Should().Be("box\n");
        new FileInfo(Path.Combine(root, "bin/sh")).LinkTarget.Should().Be("/bin/busybox", "absolute targets are kept: they resolve inside the container");
        System.IO.File.GetUnixFileMode(Path.Combine(root, "bin/busybox")).Should().Be((UnixFileMode)0b111_101_101);
        System.IO.File.ReadAllText(Path.Combine(root, "bin/ls")).Should().Be("ELF");
        System.IO.File.Exists(Path.Combine(root, "dev/null")).Should().BeFalse("devices are the runtime's to make");
    }

    [Fact]
    public async Task ExtractAsync_Gzip_IsDetected()
    {
        using MemoryStream tar = Tar(File("hello", "world"));
        var gz = new MemoryStream();
        using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            tar.CopyTo(zip);
        }
        string archive = Path.Combine(_work, "rootfs.tar.gz");
        System.IO.File.WriteAllBytes(archive, gz.ToArray());

        await RootFilesystem.ExtractAsync(archive, Target, Token);

        System.IO.File.ReadAllText(Path.Combine(Target, "hello")).Should().Be("world");
    }

    [Fact]
    public async Task ExtractAsync_DotDotEntry_IsRefusedAndTheDirectoryRemoved()
    {
        using MemoryStream tar = Tar(File("ok", "1"), File("../escaped", "x"));

        Func<Task> extract = () => RootFilesystem.ExtractAsync(tar, Target, Token);

        (await extract.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().Contain("../escaped").And.Contain("leaves the root filesystem");
        System.IO.File.Exists(Path.Combine(_work, "escaped")).Should().BeFalse();
        Directory.Exists(Target).Should().BeFalse("the call made the directory, and removes it when it fails");
    }

    [Fact]
    public async Task ExtractAsync_EntryThroughASymlinkItMade_IsRefused()
    {
        string outside = Directory.CreateDirectory(Path.Combine(_work, "outside")).FullName;
        using MemoryStream tar = Tar(Link("evil", outside), File("evil/planted", "x"));

        Func<Task> extract = () => RootFilesystem.ExtractAsync(tar, Target, Token);

        (await extract.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().Contain("evil/planted").And.Contain("symbolic link evil");
        System.IO.File.Exists(Path.Combine(outside, "planted")).Should().BeFalse();
    }

    [Fact]
    public async Task ExtractAsync_HardLinkToOutside_IsRefused()
    {
        using MemoryStream tar = Tar(new PaxTarEntry(TarEntryType.HardLink, "passwd") { LinkName = "../../../../etc/passwd" });

        Func<Task> extract = () => RootFilesystem.ExtractAsync(tar, Target, Token);

        await extract.Should().ThrowAsync<InvalidDataException>();
    }

    [Fact]
    public async Task ExtractAsync_FileOverASymlink_ReplacesTheLinkNotItsTarget()
    {
        string outside = Path.Combine(_work, "victim");
        System.IO.File.WriteAllText(outside, "untouched");
        using MemoryStream tar = Tar(Link("file", outside), File("file", "replaced"));

        await RootFilesystem.ExtractAsync(tar, Target, Token);

        System.IO.File.ReadAllText(outside).Should().Be("untouched");
        System.IO.File.ReadAllText(Path.Combine(Target, "file")).Should().Be("replaced");
    }
}
