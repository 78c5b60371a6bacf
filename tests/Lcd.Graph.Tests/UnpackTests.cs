using System.Formats.Tar;
using System.Text;
using Lcd.Graph.Interop;

namespace Lcd.Graph.Tests;

public sealed class UnpackTests : IDisposable
{
    private readonly TempDir _temp = new();

    public UnpackTests() => Require.Root();

    private string Target => _temp["layer"];

    private Digest Unpack(byte[] tar, long? limit = null) =>
        LayerUnpacker.Unpack(new MemoryStream(tar), Target, limit is null ? null : new UnpackOptions { MaxLayerSize = limit.Value });

    [Fact]
    public void Unpack_EveryKind_KeepsTypesOwnersModesTimes()
    {
        string longName = "deep/" + string.Join('/', Enumerable.Repeat("a-rather-long-directory-name", 6)) + "/file.txt";
        byte[] tar = new Tars()
            .Dir("etc/", 0x1ED, 0, 0)
            .File("etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0x1A4)
            .File("usr/bin/tool", "#!/bin/sh\n", 0x9ED /* 04755 */, 1000, 1001)
            .Symlink("bin", "usr/bin")
            .Symlink("abs", "/etc/passwd")
            .HardLink("etc/passwd.link", "etc/passwd")
            .Device("dev/null", TarEntryType.CharacterDevice, 1, 3)
            .Device("dev/loop0", TarEntryType.BlockDevice, 7, 0)
            .Device("run/fifo", TarEntryType.Fifo, 0, 0)
            .File(longName, "long")
            .Dir("tmp/", 0x3FF /* 01777 */)
            .Bytes();
        Digest diffId = Unpack(tar);

        diffId.Should().Be(Digest.Of(tar));
        File.ReadAllText(Path.Combine(Target, "etc/passwd")).Should().StartWith("root:x:0:0");
        Native.Stat tool = Native.LStat(Path.Combine(Target, "usr/bin/tool"));
        (tool.Uid, tool.Gid, tool.Mode & 0xfff).Should().Be((1000u, 1001u, 0x9EDu), "setuid survives the chown");
        File.ResolveLinkTarget(Path.Combine(Target, "bin"), false)!.ToString().Should().Contain("usr/bin");
        new FileInfo(Path.Combine(Target, "abs")).LinkTarget.Should().Be("/etc/passwd", "a symlink's target is kept as written, never followed");
        Native.LStat(Path.Combine(Target, "etc/passwd.link")).Ino.Should().Be(Native.LStat(Path.Combine(Target, "etc/passwd")).Ino);
        Native.Stat nul = Native.LStat(Path.Combine(Target, "dev/null"));
        (nul.Type, nul.Major, nul.Minor).Should().Be((Native.S_IFCHR, 1u, 3u));
        Native.LStat(Path.Combine(Target, "dev/loop0")).Type.Should().Be(Native.S_IFBLK);
        Native.LStat(Path.Combine(Target, "run/fifo")).Type.Should().Be(Native.S_IFIFO);
        File.ReadAllText(Path.Combine(Target, longName)).Should().Be("long");
        (Native.LStat(Path.Combine(Target, "tmp")).Mode & 0xfff).Should().Be(0x3FF);
        Native.LStat(Path.Combine(Target, "etc/passwd")).Mtime.Sec.Should().Be(Tars.Time.ToUnixTimeSeconds());
        Native.LStat(Path.Combine(Target, "etc")).Mtime.Sec.Should().Be(Tars.Time.ToUnixTimeSeconds(), "directory times are set after their children");
    }

    [Fact]
    public void Unpack_GnuLongNames_Read()
    {
        string name = "dir/" + new string('x', 150) + "/" + new string('y', 120);
        var tars = new Tars(TarEntryFormat.Gnu);
        var entry = new GnuTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream("gnu"u8.ToArray()), Mode = (UnixFileMode)0x1A4 };
        tars.Add(entry);
        tars.Add(new GnuTarEntry(TarEntryType.SymbolicLink, "link") { LinkName = new string('z', 200) });
        Unpack(tars.Bytes());
        File.ReadAllText(Path.Combine(Target, name)).Should().Be("gnu");
        new FileInfo(Path.Combine(Target, "link")).LinkTarget.Should().Be(new string('z', 200));
    }

    [Fact]
    public void Unpack_CapabilityXattr_BinaryValueKept()
    {
        // A real vfs_cap_data (version 2, cap_net_raw permitted+effective): binary, not UTF-8.
        byte[] cap = [0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
        byte[] tar = TarWithPaxRecord("bin/ping", "SCHILY.xattr.security.capability", cap);
        Unpack(tar);
        Native.LGetXattr(Path.Combine(Target, "bin/ping"), "security.capability").Should().Equal(cap);
    }

    [Fact]
    public void Unpack_Whiteouts_BecomeOverlayForm()
    {
        byte[] tar = new Tars()
            .Dir("etc/")
            .File("etc/.wh.motd", "")
            .Dir("var/cache/")
            .File("var/cache/.wh..wh..opq", "")
            .File("var/cache/new", "n")
            .File(".wh..wh.plnk", "")
            .Bytes();
        Unpack(tar);
        Native.Stat whiteout = Native.LStat(Path.Combine(Target, "etc/motd"));
        (whiteout.Type, whiteout.Rdev).Should().Be((Native.S_IFCHR, 0ul));
        File.Exists(Path.Combine(Target, "etc/.wh.motd")).Should().BeFalse();
        Native.LGetXattr(Path.Combine(Target, "var/cache"), "trusted.overlay.opaque").Should().Equal((byte)'y');
        File.Exists(Path.Combine(Target, "var/cache/.wh..wh..opq")).Should().BeFalse();
        File.ReadAllText(Path.Combine(Target, "var/cache/new")).Should().Be("n");
        Directory.EnumerateFileSystemEntries(Target).Select(Path.GetFileName).Should().BeEquivalentTo(["etc", "var"]);
    }

    [Fact]
    public void Unpack_LaterEntry_ReplacesEarlier()
    {
        byte[] tar = new Tars().File("a", "first").Symlink("a", "target").Dir("d/").File("d/x", "x").File("d", "now a file").Bytes();
        Unpack(tar);
        new FileInfo(Path.Combine(Target, "a")).LinkTarget.Should().Be("target");
        File.ReadAllText(Path.Combine(Target, "d")).Should().Be("now a file");
    }

    public static TheoryData<string, byte[], string> Hostile()
    {
        string outside = "/tmp/lcd-graph-escape-" + Guid.NewGuid().ToString("N");
        return new TheoryData<string, byte[], string>
        {
            { "dotdot", new Tars().File("../escape", "x").Bytes(), "'../escape'*'..'" },
            { "dotdot-deep", new Tars().Dir("a/").File("a/../../escape", "x").Bytes(), "'a/../../escape'" },
            { "absolute", new Tars().File("/etc/evil", "x").Bytes(), "'/etc/evil'*absolute" },
            { "hardlink-out", new Tars().HardLink("passwd", "../../../../etc/passwd").Bytes(), "'passwd'*'..'" },
            { "hardlink-absolute", new Tars().HardLink("shadow", "/etc/shadow").Bytes(), "'shadow'*absolute" },
            { "hardlink-missing", new Tars().HardLink("x", "not/here").Bytes(), "'x'*not in this layer" },
            { "symlink-then-write", new Tars().Symlink("evil", outside).File("evil/file", "x").Bytes(), "'evil/file'*symlink" },
            { "symlink-dir-then-write", new Tars().Symlink("etc", "/etc").File("etc/cron.d/evil", "x").Bytes(), "'etc/cron.d/evil'*symlink" },
            { "symlink-then-hardlink", new Tars().Symlink("s", "/etc").HardLink("h", "s/passwd").Bytes(), "'h'*symlink" },
            { "symlink-relative-up", new Tars().Symlink("up", "../../..").File("up/x", "x").Bytes(), "'up/x'*symlink" },
        };
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Unpack_Hostile_RefusedNamingEntryNothingKept(string name, byte[] tar, string message)
    {
        _ = name;
        Action unpack = () => Unpack(tar);
        unpack.Should().Throw<LayerException>().WithMessage($"*{message}*");
        Directory.Exists(Target).Should().BeFalse("nothing of a refused layer is kept");
        File.Exists("/escape").Should().BeFalse();
        Directory.Exists("/etc/cron.d/evil").Should().BeFalse();
        File.Exists("/etc/cron.d/evil").Should().BeFalse();
    }

    [Fact]
    public void Unpack_Truncated_RefusedNothingKept()
    {
        byte[] tar = new Tars().File("a", new string('a', 5000)).File("b", new string('b', 5000)).Bytes();
        Action unpack = () => Unpack(tar[..3000]);
        unpack.Should().Throw<LayerException>().WithMessage("*corrupt or truncated*");
        Directory.Exists(Target).Should().BeFalse();
    }

    [Fact]
    public void Unpack_Bomb_RefusedAtTheLimit()
    {
        byte[] tar = new Tars().File("big", new string('0', 1 << 20)).Bytes();
        Action unpack = () => Unpack(tar, limit: 256 * 1024);
        unpack.Should().Throw<LayerException>().WithMessage("*larger than the limit of 262144 bytes*");
        Directory.Exists(Target).Should().BeFalse();
    }

    [Fact]
    public void Unpack_WrongDiffId_RefusedNothingKept()
    {
        byte[] tar = new Tars().File("a", "a").Bytes();
        Action unpack = () => LayerUnpacker.Unpack(new MemoryStream(tar), Target, new UnpackOptions { ExpectedDiffId = Digest.Of("other"u8) });
        unpack.Should().Throw<LayerException>().WithMessage("*diff id mismatch*");
        Directory.Exists(Target).Should().BeFalse();
    }

    /// <summary>A tar whose one file carries a PAX record with raw (binary) bytes, as GNU tar and Docker write.</summary>
    internal static byte[] TarWithPaxRecord(string name, string key, byte[] value)
    {
        // The record "LEN key=value\n", LEN counting itself.
        byte[] body = [.. Encoding.ASCII.GetBytes($" {key}="), .. value, (byte)'\n'];
        int len = body.Length + 1;
        while (len.ToString(System.Globalization.CultureInfo.InvariantCulture).Length + body.Length != len)
        {
            len++;
        }
        byte[] record = [.. Encoding.ASCII.GetBytes(len.ToString(System.Globalization.CultureInfo.InvariantCulture)), .. body];
        var output = new MemoryStream();
        output.Write(Header("PaxHeaders/x", 'x', record.Length));
        output.Write(record);
        output.Write(new byte[Pad(record.Length)]);
        byte[] data = "ping"u8.ToArray();
        output.Write(Header(name, '0', data.Length));
        output.Write(data);
        output.Write(new byte[Pad(data.Length)]);
        output.Write(new byte[1024]);
        return output.ToArray();
    }

    private static int Pad(int n) => (512 - (n % 512)) % 512;

    private static byte[] Header(string name, char type, int size)
    {
        byte[] h = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(h, 0);
        Encoding.ASCII.GetBytes("0000755\0").CopyTo(h, 100);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 108);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 116);
        Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(h, 124);
        Encoding.ASCII.GetBytes("14000000000\0").CopyTo(h, 136);
        h[156] = (byte)type;
        Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(h, 257);
        "        "u8.CopyTo(h.AsSpan(148));
        int sum = h.Sum(b => b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(h, 148);
        return h;
    }

    public void Dispose() => _temp.Dispose();
}
