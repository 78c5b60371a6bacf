using System.Text;
using Lcd.Graph.Interop;

namespace Lcd.Graph.Tests;

/// <summary>The layer tar we write, read back by GNU tar (a reader nobody here wrote) and by our unpack.</summary>
public sealed class LayerWriterTests : IDisposable
{
    // vfs_cap_data revision 2, effective, permitted cap_setuid (bit 7) and cap_net_raw (bit 13): NUL and 0x80 bytes.
    private static readonly byte[] s_capability = [0x01, 0x00, 0x00, 0x02, 0x80, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
    private readonly TempDir _temp = new();

    [Fact]
    public void PaxRecords_BinaryValue_WrittenByteForByte()
    {
        byte[] value = [0x00, 0x80, 0xff, (byte)'\n', (byte)'=', 0xc3];
        byte[] records = PaxWriter.PaxRecords([new("SCHILY.xattr.security.capability", value)]);
        // " SCHILY.xattr.security.capability=" (34) + 6 bytes + "\n": 41, and the two digits of "43".
        records.Should().Equal([.. "43 SCHILY.xattr.security.capability="u8.ToArray(), .. value, (byte)'\n']);
    }

    [Fact]
    public void PaxRecords_LengthGainsADigit_CountsItself()
    {
        // " k=" + 94 bytes + "\n" is 98: "99"/"100" do not add up, 101 = 3 digits + 98.
        byte[] records = PaxWriter.PaxRecords([new("k", new byte[94]), new("path", "a"u8.ToArray())]);
        Encoding.ASCII.GetString(records, 0, 6).Should().Be("101 k=");
        Encoding.ASCII.GetString(records, 101, records.Length - 101).Should().Be("9 path=a\n");
    }

    [Theory]
    [InlineData("")]
    [InlineData("a=b")]
    public void PaxRecords_BadKey_Refused(string key)
    {
        Action write = () => PaxWriter.PaxRecords([new(key, [])]);
        write.Should().Throw<ArgumentException>().WithMessage($"*'{key}'*");
    }

    [Fact]
    public void CapabilityV2_Revision3_LosesRootUid()
    {
        byte[] v3 = [0x01, 0x00, 0x00, 0x03, .. new byte[16], 0xe8, 0x03, 0x00, 0x00];
        LayerWriter.CapabilityV2(v3).Should().Equal([0x01, 0x00, 0x00, 0x02, .. new byte[16]]);
        LayerWriter.CapabilityV2(s_capability).Should().Equal(s_capability);
    }

    [Fact]
    public async Task Write_Xattrs_GnuTarAndUnpackRestoreThem()
    {
        Require.Root();
        string tree = Directory.CreateDirectory(_temp["tree/bin"]).Parent!.FullName;
        string ping = Path.Combine(tree, "bin/ping");
        File.WriteAllText(ping, "not really ping");
        Native.LSetXattr(ping, "security.capability", s_capability);
        Native.LSetXattr(ping, "user.origin", [0x00, 0xfe, 0x41]);
        Native.LSetXattr(Path.Combine(tree, "bin"), "user.dir", "d"u8);
        Native.LSetXattr(ping, "trusted.secret", "host only"u8);
        string tar = _temp["layer.tar"];
        using (var output = File.Create(tar))
        {
            LayerWriter.Write(tree, output);
        }

        string gnu = Directory.CreateDirectory(_temp["gnu"]).FullName;
        await Tool.RunAsync("tar", "--xattrs", "--xattrs-include=*", "-xpf", tar, "-C", gnu);
        Native.LGetXattr(Path.Combine(gnu, "bin/ping"), "security.capability").Should().Equal(s_capability);
        Native.LGetXattr(Path.Combine(gnu, "bin/ping"), "user.origin").Should().Equal(0x00, 0xfe, 0x41);
        Native.LGetXattr(Path.Combine(gnu, "bin"), "user.dir").Should().Equal((byte)'d');
        Native.LGetXattr(Path.Combine(gnu, "bin/ping"), "trusted.secret").Should().BeNull("only security.capability, security.ima and user.* go into a layer");
        if (File.Exists("/usr/sbin/getcap"))
        {
            (await Tool.RunAsync("/usr/sbin/getcap", Path.Combine(gnu, "bin/ping"))).Should().Contain("cap_setuid,cap_net_raw=ep");
        }

        string ours = _temp["ours"];
        using (var input = File.OpenRead(tar))
        {
            LayerUnpacker.Unpack(input, ours);
        }
        Native.LGetXattr(Path.Combine(ours, "bin/ping"), "security.capability").Should().Equal(s_capability);
        Native.LGetXattr(Path.Combine(ours, "bin/ping"), "user.origin").Should().Equal(0x00, 0xfe, 0x41);
    }

    [Fact]
    public async Task Write_LongNamesLargeIdsDevices_GnuTarReadsThem()
    {
        Require.Root();
        string tree = _temp["tree"];
        string longDir = string.Join('/', Enumerable.Repeat("a-long-directory-name", 6));
        Directory.CreateDirectory(Path.Combine(tree, longDir));
        File.WriteAllText(Path.Combine(tree, longDir, "f.txt"), "long");
        File.CreateSymbolicLink(Path.Combine(tree, "link"), new string('t', 150));
        File.WriteAllText(Path.Combine(tree, "big-ids"), "");
        await Tool.RunAsync("chown", "3000000:3000001", Path.Combine(tree, "big-ids"));
        File.WriteAllText(Path.Combine(tree, "naïve"), "utf-8");
        string tar = _temp["layer.tar"];
        using (var output = File.Create(tar))
        {
            LayerWriter.Write(tree, output);
        }

        string list = await Tool.RunAsync("tar", "--numeric-owner", "-tvf", tar);
        list.Should().Contain($"{longDir}/f.txt").And.Contain("link -> " + new string('t', 150)).And.Contain("3000000/3000001").And.Contain("naïve");
        string gnu = Directory.CreateDirectory(_temp["gnu"]).FullName;
        await Tool.RunAsync("tar", "-xpf", tar, "-C", gnu);
        File.ReadAllText(Path.Combine(gnu, longDir, "f.txt")).Should().Be("long");
        Native.Stat st = Native.LStat(Path.Combine(gnu, "big-ids"));
        (st.Uid, st.Gid).Should().Be((3_000_000u, 3_000_001u));
    }

    public void Dispose() => _temp.Dispose();
}
