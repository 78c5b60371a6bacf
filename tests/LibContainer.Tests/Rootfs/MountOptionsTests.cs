using FluentAssertions;
using LibContainer.Rootfs;
using Xunit;
using static LibContainer.Rootfs.MountFlags;

namespace LibContainer.Tests.Rootfs;

public sealed class MountOptionsTests
{
    [Fact]
    public void Parse_Null_ReturnsNothingSet()
    {
        MountOptions options = MountOptions.Parse(null);

        options.Should().Be(new MountOptions(0, 0, 0, "", 0, 0, Tmpcopyup: false, IdMap: false, RecursiveIdMap: false));
        options.Bind.Should().BeFalse();
        options.Recursive.Should().BeFalse();
        options.HasRecursiveAttributes.Should().BeFalse();
    }

    [Theory]
    [InlineData("ro", MS_RDONLY)]
    [InlineData("nosuid", MS_NOSUID)]
    [InlineData("nodev", MS_NODEV)]
    [InlineData("noexec", MS_NOEXEC)]
    [InlineData("sync", MS_SYNCHRONOUS)]
    [InlineData("remount", MS_REMOUNT)]
    [InlineData("mand", MS_MANDLOCK)]
    [InlineData("dirsync", MS_DIRSYNC)]
    [InlineData("nosymfollow", MS_NOSYMFOLLOW)]
    [InlineData("noatime", MS_NOATIME)]
    [InlineData("nodiratime", MS_NODIRATIME)]
    [InlineData("bind", MS_BIND)]
    [InlineData("rbind", MS_BIND | MS_REC)]
    [InlineData("silent", MS_SILENT)]
    [InlineData("relatime", MS_RELATIME)]
    [InlineData("iversion", MS_I_VERSION)]
    [InlineData("strictatime", MS_STRICTATIME)]
    [InlineData("lazytime", MS_LAZYTIME)]
    public void Parse_SettingOption_SetsItsFlag(string option, ulong flag)
    {
        MountOptions options = MountOptions.Parse([option]);

        options.Flags.Should().Be(flag);
        options.ClearFlags.Should().Be(0);
        options.Data.Should().BeEmpty();
    }

    [Theory]
    [InlineData("rw", MS_RDONLY)]
    [InlineData("suid", MS_NOSUID)]
    [InlineData("dev", MS_NODEV)]
    [InlineData("exec", MS_NOEXEC)]
    [InlineData("async", MS_SYNCHRONOUS)]
    [InlineData("nomand", MS_MANDLOCK)]
    [InlineData("symfollow", MS_NOSYMFOLLOW)]
    [InlineData("atime", MS_NOATIME)]
    [InlineData("diratime", MS_NODIRATIME)]
    [InlineData("loud", MS_SILENT)]
    [InlineData("norelatime", MS_RELATIME)]
    [InlineData("noiversion", MS_I_VERSION)]
    [InlineData("nostrictatime", MS_STRICTATIME)]
    [InlineData("nolazytime", MS_LAZYTIME)]
    public void Parse_ClearingOption_RecordsItInClearFlags(string option, ulong flag)
    {
        MountOptions options = MountOptions.Parse([option]);

        options.Flags.Should().Be(0);
        options.ClearFlags.Should().Be(flag);
    }

    [Fact]
    public void Parse_RoThenRw_LeavesTheMountWritable()
    {
        MountOptions options = MountOptions.Parse(["nosuid", "ro", "rw"]);

        options.Flags.Should().Be(MS_NOSUID);
        options.ClearFlags.Should().Be(MS_RDONLY);
    }

    [Fact]
    public void Parse_RwThenRo_LeavesTheMountReadOnly()
    {
        MountOptions options = MountOptions.Parse(["rw", "ro"]);

        options.Flags.Should().Be(MS_RDONLY);
        options.ClearFlags.Should().Be(0);
    }

    [Fact]
    public void Parse_Defaults_SetsNothingAndIsNotData()
    {
        MountOptions options = MountOptions.Parse(["defaults"]);

        options.Flags.Should().Be(0);
        options.ClearFlags.Should().Be(0);
        options.Data.Should().BeEmpty();
    }

    [Fact]
    public void Parse_UnknownOptions_JoinTheDataStringInOrder()
    {
        MountOptions options = MountOptions.Parse(["nosuid", "mode=755", "strictatime", "size=65536k", "acl"]);

        options.Flags.Should().Be(MS_NOSUID | MS_STRICTATIME);
        options.Data.Should().Be("mode=755,size=65536k,acl");
    }

    [Fact]
    public void Parse_DefaultDevPtsOptions_SplitFlagsFromData()
    {
        MountOptions options = MountOptions.Parse(["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]);

        options.Flags.Should().Be(MS_NOSUID | MS_NOEXEC);
        options.Data.Should().Be("newinstance,ptmxmode=0666,mode=0620,gid=5");
    }

    [Fact]
    public void Parse_Rbind_IsARecursiveBind()
    {
        MountOptions options = MountOptions.Parse(["rbind", "ro"]);

        options.Bind.Should().BeTrue();
        options.Recursive.Should().BeTrue();
        options.Flags.Should().Be(MS_BIND | MS_REC | MS_RDONLY);
    }

    [Fact]
    public void Parse_Bind_IsNotRecursive()
    {
        MountOptions options = MountOptions.Parse(["bind"]);

        options.Bind.Should().BeTrue();
        options.Recursive.Should().BeFalse();
    }

    [Theory]
    [InlineData("private", MS_PRIVATE)]
    [InlineData("rprivate", MS_PRIVATE | MS_REC)]
    [InlineData("slave", MS_SLAVE)]
    [InlineData("rslave", MS_SLAVE | MS_REC)]
    [InlineData("shared", MS_SHARED)]
    [InlineData("rshared", MS_SHARED | MS_REC)]
    [InlineData("unbindable", MS_UNBINDABLE)]
    [InlineData("runbindable", MS_UNBINDABLE | MS_REC)]
    public void Parse_PropagationOption_SetsPropagationFlagsOnly(string option, ulong propagation)
    {
        MountOptions options = MountOptions.Parse(["bind", option]);

        options.PropagationFlags.Should().Be(propagation);
        options.Flags.Should().Be(MS_BIND);
        options.Recursive.Should().BeFalse();
        options.Data.Should().BeEmpty();
    }

    [Fact]
    public void Parse_SeveralPropagationOptions_LastWins()
    {
        MountOptions.Parse(["rprivate", "shared"]).PropagationFlags.Should().Be(MS_SHARED);
    }

    [Theory]
    [InlineData("rro", MOUNT_ATTR_RDONLY, 0UL)]
    [InlineData("rnosuid", MOUNT_ATTR_NOSUID, 0UL)]
    [InlineData("rnodev", MOUNT_ATTR_NODEV, 0UL)]
    [InlineData("rnoexec", MOUNT_ATTR_NOEXEC, 0UL)]
    [InlineData("rnodiratime", MOUNT_ATTR_NODIRATIME, 0UL)]
    [InlineData("rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0UL)]
    [InlineData("rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME)]
    [InlineData("rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME)]
    [InlineData("rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME)]
    public void Parse_RecursiveSettingOption_SetsAttribute(string option, ulong set, ulong clear)
    {
        MountOptions options = MountOptions.Parse(["rbind", option]);

        options.RecAttrSet.Should().Be(set);
        options.RecAttrClr.Should().Be(clear);
        options.HasRecursiveAttributes.Should().BeTrue();
        options.Flags.Should().Be(MS_BIND | MS_REC);
    }

    [Theory]
    [InlineData("rrw", MOUNT_ATTR_RDONLY)]
    [InlineData("rsuid", MOUNT_ATTR_NOSUID)]
    [InlineData("rdev", MOUNT_ATTR_NODEV)]
    [InlineData("rexec", MOUNT_ATTR_NOEXEC)]
    [InlineData("rdiratime", MOUNT_ATTR_NODIRATIME)]
    [InlineData("ratime", MOUNT_ATTR_NOATIME)]
    [InlineData("rnostrictatime", MOUNT_ATTR_STRICTATIME)]
    [InlineData("rsymfollow", MOUNT_ATTR_NOSYMFOLLOW)]
    public void Parse_RecursiveClearingOption_ClearsAttribute(string option, ulong clear)
    {
        MountOptions options = MountOptions.Parse([option]);

        options.RecAttrSet.Should().Be(0);
        options.RecAttrClr.Should().Be(clear);
    }

    [Fact]
    public void Parse_RroThenRrw_EndsCleared()
    {
        MountOptions options = MountOptions.Parse(["rro", "rnosuid", "rrw"]);

        options.RecAttrSet.Should().Be(MOUNT_ATTR_NOSUID);
        options.RecAttrClr.Should().Be(MOUNT_ATTR_RDONLY);
    }

    [Fact]
    public void Parse_Tmpcopyup_IsAnExtensionNotData()
    {
        MountOptions options = MountOptions.Parse(["tmpcopyup", "mode=755"]);

        options.Tmpcopyup.Should().BeTrue();
        options.Data.Should().Be("mode=755");
    }

    [Fact]
    public void Parse_Idmap_IsNotRecursive()
    {
        MountOptions options = MountOptions.Parse(["bind", "idmap"]);

        options.IdMap.Should().BeTrue();
        options.RecursiveIdMap.Should().BeFalse();
        options.Data.Should().BeEmpty();
    }

    [Fact]
    public void Parse_Ridmap_IsRecursiveIdmap()
    {
        MountOptions options = MountOptions.Parse(["rbind", "ridmap"]);

        options.IdMap.Should().BeTrue();
        options.RecursiveIdMap.Should().BeTrue();
    }

    [Fact]
    public void Parse_UpperCaseOption_GoesToData()
    {
        MountOptions options = MountOptions.Parse(["RO", "ro"]);

        options.Flags.Should().Be(MS_RDONLY);
        options.Data.Should().Be("RO");
    }

    [Fact]
    public void Parse_DefaultSpecMounts_DecodeAsRuncDoes()
    {
        MountOptions sys = MountOptions.Parse(["nosuid", "noexec", "nodev", "ro"]);
        MountOptions cgroup = MountOptions.Parse(["nosuid", "noexec", "nodev", "relatime", "ro"]);

        sys.Flags.Should().Be(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
        cgroup.Flags.Should().Be(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);
        cgroup.Data.Should().BeEmpty();
    }

    [Fact]
    public void MountFlags_Constants_MatchTheKernel()
    {
        MS_UNBINDABLE.Should().Be(0x20000);
        MS_PRIVATE.Should().Be(0x40000);
        MS_SLAVE.Should().Be(0x80000);
        MS_SHARED.Should().Be(0x100000);
        MS_RELATIME.Should().Be(0x200000);
        MS_I_VERSION.Should().Be(0x800000);
        MS_STRICTATIME.Should().Be(0x1000000);
        MS_LAZYTIME.Should().Be(0x2000000);
        MS_PROPAGATION.Should().Be(MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE);
    }
}
