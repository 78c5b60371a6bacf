using System.Buffers.Binary;
using System.Globalization;
using FluentAssertions;
using LibContainer.Cgroups;
using LibContainer.Cgroups.V2;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Cgroups;

/// <summary>
/// The device filter program, run in a small eBPF interpreter (only the instructions the compiler
/// emits, with the verifier's basic rules) and compared with a direct reading of the rules: the last
/// matching rule decides, an "a" rule resets, allow needs every requested access, deny any.
/// </summary>
public sealed class DeviceFilterTests
{
    private const uint Block = 1;
    private const uint Char = 2;
    private const int M = 1;
    private const int R = 2;
    private const int W = 4;

    /// <summary>runc's default container rules (libcontainer/specconv AllowedDevices) after a deny-all.</summary>
    private static List<LinuxDeviceCgroup> RuncDefaultRules() =>
    [
        Rule(false, "a", null, null, "rwm"),
        Rule(true, "c", -1, -1, "m"),
        Rule(true, "b", -1, -1, "m"),
        Rule(true, "c", 1, 3, "rwm"),
        Rule(true, "c", 1, 5, "rwm"),
        Rule(true, "c", 1, 7, "rwm"),
        Rule(true, "c", 5, 0, "rwm"),
        Rule(true, "c", 1, 8, "rwm"),
        Rule(true, "c", 1, 9, "rwm"),
        Rule(true, "c", 136, -1, "rwm"),
        Rule(true, "c", 5, 2, "rwm"),
        Rule(true, "c", 10, 200, "rwm"),
    ];

    [Fact]
    public void Compile_RuncDefaultRules_HasOneBlockPerRuleInReverse()
    {
        byte[] program = DeviceFilter.Compile(RuncDefaultRules());

        // 6 to unpack the context; "c 1:3 rwm" is type, major, minor, mov, exit = 5 (eight of them),
        // "c 136:* rwm" 4, "c *:* m" and "b *:* m" type, 3 for access, mov, exit = 6; default 2.
        (program.Length % 8).Should().Be(0);
        (program.Length / 8).Should().Be(6 + (8 * 5) + 4 + (2 * 6) + 2);
        string[] listing = Lines(DeviceFilter.Disassemble(program));
        listing[6].Should().Be("   6: if r2 != 0x2 goto pc+4 <11>", "the last rule, c 10:200, is tested first");
        listing[7].Should().Be("   7: if r4 != 0xa goto pc+3 <11>");
        listing[8].Should().Be("   8: if r5 != 0xc8 goto pc+2 <11>");
        listing[9].Should().Be("   9: w0 = 1");
        listing[10].Should().Be("  10: exit");
        listing[^2].Should().Be("  62: w0 = 0", "deny all before the rules makes deny the default");
        listing[^1].Should().Be("  63: exit");
        Ops(program).Count(op => op == 0x95).Should().Be(12, "every rule and the default return");
    }

    [Fact]
    public void Compile_AnyRules_StartsByUnpackingTheContext()
    {
        byte[] program = DeviceFilter.Compile([]);

        Convert.ToHexString(program).Should().Be(
            "6112000000000000" + // r2 = *(u32 *)(r1 + 0)
            "54020000FFFF0000" + // w2 &= 0xffff
            "6113000000000000" + // r3 = *(u32 *)(r1 + 0)
            "7403000010000000" + // w3 >>= 16
            "6114040000000000" + // r4 = *(u32 *)(r1 + 4)
            "6115080000000000" + // r5 = *(u32 *)(r1 + 8)
            "B400000000000000" + // w0 = 0
            "9500000000000000"); // exit
    }

    [Fact]
    public void Compile_PartialAccess_ChecksRequestedBitsAgainstTheRule()
    {
        byte[] allow = DeviceFilter.Compile([Rule(true, "c", 1, 3, "rw")]);
        byte[] deny = DeviceFilter.Compile([Rule(true, "a", null, null, null), Rule(false, "c", 1, 3, "w")]);

        Lines(DeviceFilter.Disassemble(allow)).Skip(6).Take(4).Should().Equal(
            "   6: if r2 != 0x2 goto pc+7 <14>",
            "   7: w1 = w3",
            "   8: w1 &= 0x6",
            "   9: if r1 != r3 goto pc+4 <14>");
        Lines(DeviceFilter.Disassemble(deny)).Skip(8).Take(2).Should().Equal(
            "   8: w1 &= 0x4",
            "   9: if r1 == 0x0 goto pc+4 <14>");
    }

    [Fact]
    public void Compile_RulesBeforeTheLastAllRule_AreLeftOut()
    {
        byte[] program = DeviceFilter.Compile([Rule(true, "c", 1, 3, "rwm"), Rule(false, "b", 8, 0, "r"), Rule(true, "a", null, null, null)]);

        Lines(DeviceFilter.Disassemble(program)).Skip(6).Should().Equal("   6: w0 = 1", "   7: exit");
    }

    [Fact]
    public void Run_RuncDefaultRules_AllowsTheStandardDevicesOnly()
    {
        byte[] program = DeviceFilter.Compile(RuncDefaultRules());

        Run(program, Char, 1, 3, R | W).Should().Be(1, "/dev/null is rwm");
        Run(program, Char, 136, 42, R | W).Should().Be(1, "every /dev/pts/N");
        Run(program, Char, 10, 200, R).Should().Be(1, "/dev/net/tun");
        Run(program, Char, 8, 0, M).Should().Be(1, "mknod of any char device");
        Run(program, Block, 8, 0, M).Should().Be(1, "mknod of any block device");
        Run(program, Block, 8, 0, R).Should().Be(0, "reading /dev/sda");
        Run(program, Char, 1, 1, R).Should().Be(0, "/dev/mem");
        Run(program, Char, 10, 201, W).Should().Be(0);
        Run(program, Char, 8, 0, R | M).Should().Be(0, "m alone is allowed, r is not");
    }

    [Fact]
    public void Run_ReadOnlyRule_DeniesOpenForReadWrite()
    {
        byte[] program = DeviceFilter.Compile([Rule(true, "c", 1, 3, "r")]);

        Run(program, Char, 1, 3, R).Should().Be(1);
        Run(program, Char, 1, 3, R | W).Should().Be(0, "O_RDWR asks for rw at once and the rule grants only r");
    }

    [Fact]
    public void Run_DenyWriteAfterAllowAll_DeniesOpenForReadWrite()
    {
        byte[] program = DeviceFilter.Compile([Rule(true, null, null, null, null), Rule(false, "c", 1, 3, "w")]);

        Run(program, Char, 1, 3, R).Should().Be(1);
        Run(program, Char, 1, 3, W).Should().Be(0);
        Run(program, Char, 1, 3, R | W).Should().Be(0, "a deny rule matches any access it names");
        Run(program, Char, 1, 4, R | W).Should().Be(1);
    }

    [Fact]
    public void Run_MajorAboveIntMaxValue_ComparesAsUnsigned()
    {
        byte[] program = DeviceFilter.Compile([Rule(true, "c", uint.MaxValue, 0x80000000, "r")]);

        Run(program, Char, uint.MaxValue, 0x80000000, R).Should().Be(1);
        Run(program, Char, uint.MaxValue, 0x7FFFFFFF, R).Should().Be(0);
        Run(program, Char, 0x7FFFFFFF, 0x80000000, R).Should().Be(0);
    }

    public static TheoryData<string> NamedRuleLists => new(s_named.Keys);

    private static readonly Dictionary<string, List<LinuxDeviceCgroup>> s_named = new()
    {
        ["runc default"] = RuncDefaultRules(),
        ["empty"] = [],
        ["allow all"] = [Rule(true, "a", null, null, "rwm")],
        ["deny all"] = [Rule(false, "a", null, null, "rwm")],
        ["allow all, unset type and access"] = [Rule(true, null, null, null, null)],
        ["blacklist"] = [Rule(true, "a", null, null, null), Rule(false, "c", 1, 3, "w"), Rule(false, "b", -1, -1, "rw"), Rule(false, "c", 5, null, "m")],
        ["hole in a wildcard"] = [Rule(true, "c", -1, -1, "rwm"), Rule(false, "c", 1, 3, "rwm"), Rule(true, "c", 1, 3, "r")],
        ["reset in the middle"] = [Rule(true, "c", 1, 3, "rwm"), Rule(false, "a", null, null, null), Rule(true, "c", 1, 5, "rw")],
        ["typed all with numbers still resets"] = [Rule(false, "c", 1, 3, "rwm"), Rule(true, "a", 1, 3, "r")],
        ["partial access"] = [Rule(true, "c", 1, 3, "r"), Rule(true, "c", 1, 3, "w"), Rule(true, "b", 8, -1, "rm"), Rule(false, "b", 8, 1, "m")],
        ["only minor"] = [Rule(true, "c", null, 3, "rw"), Rule(false, "c", 1, null, "r")],
        ["repeated letters"] = [Rule(true, "c", 1, 3, "rrw"), Rule(true, "b", 7, 0, "mmm")],
        ["unsigned numbers"] = [Rule(true, "c", uint.MaxValue, 0x80000000, "r"), Rule(true, "b", 0x80000000, uint.MaxValue, "rw")],
    };

    [Theory]
    [MemberData(nameof(NamedRuleLists))]
    public void Run_NamedRuleList_AgreesWithTheRulesForEveryInput(string name)
    {
        List<LinuxDeviceCgroup> rules = s_named[name];

        AssertAgrees(rules);
    }

    [Fact]
    public void Run_RandomRuleLists_AgreeWithTheRulesForEveryInput()
    {
        var random = new Random(20240607);
        string?[] types = [null, "a", "b", "c", "c", "c", "b"];
        string?[] accesses = [null, "r", "w", "m", "rw", "rm", "wm", "rwm", "mwr"];
        long?[] numbers = [null, -1, 0, 1, 3, 5, 8, 136, uint.MaxValue];

        for (int list = 0; list < 300; list++)
        {
            var rules = new List<LinuxDeviceCgroup>();
            int count = random.Next(0, 9);
            for (int i = 0; i < count; i++)
            {
                string? type = types[random.Next(types.Length)];
                // "a" rules are rare in real specs and hide everything before them: keep them rare here too.
                if (DeviceFilter.IsAllDevices(type) && random.Next(4) != 0)
                {
                    type = "c";
                }
                rules.Add(Rule(random.Next(2) == 0, type, numbers[random.Next(numbers.Length)], numbers[random.Next(numbers.Length)], accesses[random.Next(accesses.Length)]));
            }

            AssertAgrees(rules);
        }
    }

    [Theory]
    [InlineData("x", null, "type")]
    [InlineData("u", null, "type")]
    [InlineData("c", "rx", "access")]
    [InlineData("c", "", "access")]
    public void Compile_InvalidRule_Throws(string type, string? access, string field)
    {
        List<LinuxDeviceCgroup> rules = [Rule(true, "c", 1, 3, "r"), Rule(true, type, 1, 3, access)];

        Action compile = () => DeviceFilter.Compile(rules);

        compile.Should().Throw<ArgumentException>().WithMessage($"devices[1].{field} *");
    }

    [Fact]
    public void Compile_MajorBeyondU32_Throws()
    {
        Action compile = () => DeviceFilter.Compile([Rule(true, "c", 1L << 32, 3, "r")]);

        compile.Should().Throw<ArgumentException>().WithMessage("devices[0].major must be at most 4294967295*");
    }

    [Fact]
    public void Validate_BadRules_NameEachField()
    {
        var resources = new LinuxResources
        {
            Devices =
            [
                Rule(true, "c", 1, 3, "rwm"),
                Rule(true, "x", 1, 3, "rw"),
                Rule(false, "b", -2, 1L << 32, "rwz"),
                Rule(true, null, null, null, ""),
            ],
        };
        var errors = new List<SpecError>();

        new DevicesV2().Validate(resources, Host(), errors);

        errors.Select(e => e.ToString()).Should().Equal(
            "linux.resources.devices[1].type: must be one of a, b, c, got \"x\"",
            "linux.resources.devices[2].access: must be a combination of r, w and m, got \"rwz\"",
            "linux.resources.devices[2].major: must be -1 (any) or between 0 and 4294967295, got -2",
            "linux.resources.devices[2].minor: must be -1 (any) or between 0 and 4294967295, got 4294967296",
            "linux.resources.devices[3].access: must be a combination of r, w and m, got \"\"");
    }

    [Fact]
    public void Validate_RuncDefaultRules_HasNoErrors()
    {
        var errors = new List<SpecError>();

        new DevicesV2().Validate(new LinuxResources { Devices = RuncDefaultRules() }, Host(), errors);

        errors.Should().BeEmpty();
    }

    [Fact]
    public void Controller_Devices_IsAV2ControllerWithoutFiles()
    {
        var controller = new DevicesV2();

        controller.Name.Should().Be("devices");
        controller.Version.Should().Be(CgroupVersion.V2);
        controller.Files(new LinuxResources { Devices = RuncDefaultRules() }).Should().BeEmpty();
    }

    [Fact]
    public void Apply_NoDeviceRules_TouchesNothing()
    {
        // No rules: the directory is not even opened, so a path that does not exist is fine.
        new DevicesV2().Apply("/nonexistent/lc-devices-test", new LinuxResources());
    }

    /// <summary>
    /// Runs <paramref name="rules"/>' program for every type, access and a set of majors and minors
    /// (every number the rules name, its neighbours, and the u32 edges) and compares with <see cref="Reference"/>.
    /// </summary>
    private static void AssertAgrees(List<LinuxDeviceCgroup> rules)
    {
        byte[] program = DeviceFilter.Compile(rules);
        CheckStructure(program);

        var numbers = new SortedSet<uint> { 0, 1, 2, 3, 4, 5, 7, 8, 9, 136, 200, 4095, int.MaxValue, 0x80000000, uint.MaxValue - 1, uint.MaxValue };
        foreach (LinuxDeviceCgroup rule in rules)
        {
            foreach (long? n in new[] { rule.Major, rule.Minor })
            {
                if (n is >= 0 and <= uint.MaxValue)
                {
                    numbers.Add((uint)n.Value);
                    numbers.Add(unchecked((uint)n.Value + 1));
                }
            }
        }

        foreach (uint type in new uint[] { Block, Char })
        {
            for (int access = 1; access <= 7; access++)
            {
                foreach (uint major in numbers)
                {
                    foreach (uint minor in numbers)
                    {
                        uint verdict = Run(program, type, major, minor, access);
                        uint expected = Reference(rules, type, major, minor, access) ? 1u : 0u;
                        if (verdict != expected)
                        {
                            string request = $"{(type == Char ? 'c' : 'b')} {major}:{minor} {AccessText(access)}";
                            string ruleText = string.Join("; ", rules.Select(r => $"{(r.Allow ? "allow" : "deny")} {r.Type ?? "(null)"} {r.Major?.ToString(CultureInfo.InvariantCulture) ?? "*"}:{r.Minor?.ToString(CultureInfo.InvariantCulture) ?? "*"} {r.Access ?? "(null)"}"));
                            verdict.Should().Be(expected, $"request {request} under [{ruleText}]\n{DeviceFilter.Disassemble(program)}");
                        }
                    }
                }
            }
        }
    }

    /// <summary>The rules read directly: from the last, the first that matches decides; "a" matches everything.</summary>
    private static bool Reference(List<LinuxDeviceCgroup> rules, uint type, uint major, uint minor, int access)
    {
        for (int i = rules.Count - 1; i >= 0; i--)
        {
            LinuxDeviceCgroup rule = rules[i];
            if (rule.Type is null or "" or "a")
            {
                return rule.Allow;
            }
            uint ruleType = rule.Type == "c" ? Char : Block;
            if (ruleType != type || (rule.Major >= 0 && rule.Major != major) || (rule.Minor >= 0 && rule.Minor != minor))
            {
                continue;
            }
            int granted = (rule.Access ?? "rwm").Aggregate(0, (bits, c) => bits | (c == 'r' ? R : c == 'w' ? W : M));
            bool matches = rule.Allow ? (access & ~granted) == 0 : (access & granted) != 0;
            if (matches)
            {
                return rule.Allow;
            }
        }
        return false;
    }

    /// <summary>What the verifier checks before it runs anything: jumps land inside and only forward, nothing is unreachable, the end is an exit.</summary>
    private static void CheckStructure(byte[] program)
    {
        int count = program.Length / 8;
        count.Should().BeGreaterThan(0);
        var reachable = new bool[count];
        reachable[0] = true;
        for (int pc = 0; pc < count; pc++)
        {
            if (!reachable[pc])
            {
                continue;
            }
            byte op = program[pc * 8];
            short off = BinaryPrimitives.ReadInt16LittleEndian(program.AsSpan((pc * 8) + 2));
            bool isJump = (op & 0x07) == 0x05;
            if (op == 0x95)
            {
                continue;
            }
            if (isJump)
            {
                int target = pc + 1 + off;
                off.Should().BeGreaterThanOrEqualTo(0, $"pc {pc} jumps back");
                target.Should().BeLessThan(count, $"pc {pc} jumps out of the program");
                reachable[target] = true;
                if (op == 0x05)
                {
                    continue;
                }
            }
            (pc + 1).Should().BeLessThan(count, "the program must not fall off its end");
            reachable[pc + 1] = true;
        }
        reachable.Should().AllBeEquivalentTo(true, "the verifier rejects unreachable instructions");
        program[^8].Should().Be(0x95, "the last instruction is exit");
    }

    /// <summary>
    /// Runs a program on one struct bpf_cgroup_dev_ctx. Knows the instructions the compiler emits and
    /// refuses what the verifier would: reading an unset register, loads from anything but the
    /// context, pointer arithmetic, exits without r0.
    /// </summary>
    private static uint Run(byte[] program, uint type, uint major, uint minor, int access)
    {
        byte[] ctx = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(ctx, ((uint)access << 16) | type);
        BinaryPrimitives.WriteUInt32LittleEndian(ctx.AsSpan(4), major);
        BinaryPrimitives.WriteUInt32LittleEndian(ctx.AsSpan(8), minor);

        var regs = new ulong[11];
        var set = new bool[11];
        var isCtx = new bool[11];
        set[1] = isCtx[1] = true;

        ulong Read(int r, int pc) =>
            r > 10 ? throw new InvalidOperationException($"pc {pc}: no register r{r}")
            : !set[r] ? throw new InvalidOperationException($"pc {pc}: r{r} read before it is set")
            : isCtx[r] ? throw new InvalidOperationException($"pc {pc}: r{r} is the context pointer, not a number")
            : regs[r];

        void Write(int r, ulong value, int pc)
        {
            if (r is 10 or > 10)
            {
                throw new InvalidOperationException($"pc {pc}: r{r} cannot be written");
            }
            regs[r] = value;
            set[r] = true;
            isCtx[r] = false;
        }

        int pc = 0;
        for (int steps = 0; steps < 100_000; steps++)
        {
            if (pc < 0 || pc >= program.Length / 8)
            {
                throw new InvalidOperationException($"pc {pc} is outside the program");
            }
            ReadOnlySpan<byte> insn = program.AsSpan(pc * 8, 8);
            byte op = insn[0];
            int dst = insn[1] & 0x0F;
            int src = insn[1] >> 4;
            short off = BinaryPrimitives.ReadInt16LittleEndian(insn[2..]);
            int imm = BinaryPrimitives.ReadInt32LittleEndian(insn[4..]);
            ulong immediate = unchecked((ulong)(long)imm); // sign-extended, as for 64-bit compares
            switch (op)
            {
                case 0x61: // ldx w
                    if (src > 10 || !set[src] || !isCtx[src])
                    {
                        throw new InvalidOperationException($"pc {pc}: load through r{src}, which is not the context");
                    }
                    if (off is < 0 or > 8 || off % 4 != 0)
                    {
                        throw new InvalidOperationException($"pc {pc}: u32 load at context offset {off}");
                    }
                    Write(dst, BinaryPrimitives.ReadUInt32LittleEndian(ctx.AsSpan(off)), pc);
                    break;
                case 0x54: // w &= imm
                    Write(dst, (uint)Read(dst, pc) & unchecked((uint)imm), pc);
                    break;
                case 0x74: // w >>= imm
                    Write(dst, (uint)Read(dst, pc) >> (imm & 31), pc);
                    break;
                case 0xb4: // w = imm (zero-extended)
                    Write(dst, unchecked((uint)imm), pc);
                    break;
                case 0xbc: // w = w
                    Write(dst, (uint)Read(src, pc), pc);
                    break;
                case 0x05: // ja
                    pc += off;
                    break;
                case 0x15: // jeq imm
                    pc += Read(dst, pc) == immediate ? off : 0;
                    break;
                case 0x1d: // jeq reg
                    pc += Read(dst, pc) == Read(src, pc) ? off : 0;
                    break;
                case 0x55: // jne imm
                    pc += Read(dst, pc) != immediate ? off : 0;
                    break;
                case 0x5d: // jne reg
                    pc += Read(dst, pc) != Read(src, pc) ? off : 0;
                    break;
                case 0x95: // exit
                    ulong r0 = Read(0, pc);
                    r0.Should().BeLessThanOrEqualTo(1, "a cgroup device program returns 0 or 1");
                    return (uint)r0;
                default:
                    throw new InvalidOperationException($"pc {pc}: opcode 0x{op:x2} is not one the compiler emits");
            }
            pc++;
        }
        throw new InvalidOperationException("the program did not exit");
    }

    private static LinuxDeviceCgroup Rule(bool allow, string? type, long? major, long? minor, string? access) =>
        new() { Allow = allow, Type = type, Major = major, Minor = minor, Access = access };

    private static CgroupHostInfo Host() => new()
    {
        Cpus = new HashSet<int> { 0 },
        MemoryNodes = new HashSet<int> { 0 },
        HugePageSizes = new HashSet<string>(),
    };

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static IEnumerable<byte> Ops(byte[] program) => program.Where((_, i) => i % 8 == 0);

    private static string AccessText(int access) =>
        $"{((access & R) != 0 ? "r" : "")}{((access & W) != 0 ? "w" : "")}{((access & M) != 0 ? "m" : "")}";
}
