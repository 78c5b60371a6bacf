using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using LibContainer.Spec;

namespace LibContainer.Cgroups.V2;

/// <summary>
/// Compiles <c>linux.resources.devices</c> into the eBPF program that cgroup v2 uses for device
/// control (BPF_PROG_TYPE_CGROUP_DEVICE), in the shape of runc's devicefilter and crun's ebpf.c.
/// </summary>
/// <remarks>
/// <para>
/// The kernel runs the program on every open and mknod of a device node with a
/// <c>struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }</c> where
/// <c>access_type = (access &lt;&lt; 16) | type</c>; a return of 1 allows, 0 denies (EPERM).
/// </para>
/// <para>
/// Semantics: the last rule that matches decides, so the program tests the rules from the last to
/// the first and returns at the first match. A rule of type <c>a</c> (or no type) stands for every
/// device and access, as in cgroup v1: it discards the rules before it and its <c>allow</c> becomes
/// the default. Without one the default is deny. Unset or negative major/minor match any number,
/// unset access is <c>rwm</c>. An allow rule matches a request only if it grants every access the
/// request asks for (open O_RDWR asks for rw at once); a deny rule matches a request that asks for any
/// access it names, as cgroup v1's exceptions do, so a <c>deny w</c> cannot be passed by O_RDWR.
/// </para>
/// </remarks>
internal static class DeviceFilter
{
    /// <summary>The license string the program is loaded with; it calls no GPL-only helper, so any string works.</summary>
    public const string License = "Apache";

    /// <summary>Type and access values of struct bpf_cgroup_dev_ctx (include/uapi/linux/bpf.h).</summary>
    public const int BPF_DEVCG_DEV_BLOCK = 1;
    public const int BPF_DEVCG_DEV_CHAR = 2;
    public const int BPF_DEVCG_ACC_MKNOD = 1;
    public const int BPF_DEVCG_ACC_READ = 2;
    public const int BPF_DEVCG_ACC_WRITE = 4;
    private const int AccessAll = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

    /// <summary>The size of one eBPF instruction: opcode u8, dst:4|src:4 u8, off s16, imm s32, little endian.</summary>
    public const int InstructionSize = 8;

    // Opcodes (include/uapi/linux/bpf_common.h, bpf.h): class | operation | source.
    private const byte LdxMemW = 0x61;  // BPF_LDX | BPF_MEM | BPF_W
    private const byte Alu32AndK = 0x54; // BPF_ALU | BPF_AND | BPF_K
    private const byte Alu32RshK = 0x74; // BPF_ALU | BPF_RSH | BPF_K
    private const byte Alu32MovK = 0xb4; // BPF_ALU | BPF_MOV | BPF_K
    private const byte Alu32MovX = 0xbc; // BPF_ALU | BPF_MOV | BPF_X
    private const byte JmpJa = 0x05;    // BPF_JMP | BPF_JA
    private const byte JmpJeqK = 0x15;  // BPF_JMP | BPF_JEQ | BPF_K
    private const byte JmpJeqX = 0x1d;  // BPF_JMP | BPF_JEQ | BPF_X
    private const byte JmpJneK = 0x55;  // BPF_JMP | BPF_JNE | BPF_K
    private const byte JmpJneX = 0x5d;  // BPF_JMP | BPF_JNE | BPF_X
    private const byte JmpExit = 0x95;  // BPF_JMP | BPF_EXIT

    // Registers: r0 the verdict, r1 the context (then scratch), r2..r5 the unpacked context.
    private const byte R0 = 0;
    private const byte R1 = 1;
    private const byte RType = 2;
    private const byte RAccess = 3;
    private const byte RMajor = 4;
    private const byte RMinor = 5;

    /// <summary>
    /// The program for <paramref name="rules"/>, in the order of <c>linux.resources.devices</c>:
    /// a whole number of <see cref="InstructionSize"/>-byte instructions, ready for BPF_PROG_LOAD.
    /// </summary>
    /// <exception cref="ArgumentException">A rule has a type, access, major or minor the program cannot express.</exception>
    public static byte[] Compile(IReadOnlyList<LinuxDeviceCgroup> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);

        // The last "a" rule sets the default and hides every rule before it.
        bool defaultAllow = false;
        int first = 0;
        for (int i = rules.Count - 1; i >= 0; i--)
        {
            LinuxDeviceCgroup rule = rules[i] ?? throw new ArgumentException(Invariant($"devices[{i}] is null."), nameof(rules));
            if (IsAllDevices(rule.Type))
            {
                defaultAllow = rule.Allow;
                first = i + 1;
                break;
            }
        }

        var program = new List<Instruction>(6 + (7 * (rules.Count - first)) + 2)
        {
            // r2 = type (low 16 bits of access_type), r3 = access (high 16 bits), r4 = major, r5 = minor.
            new(LdxMemW, RType, R1, 0, 0),
            new(Alu32AndK, RType, 0, 0, 0xFFFF),
            new(LdxMemW, RAccess, R1, 0, 0),
            new(Alu32RshK, RAccess, 0, 0, 16),
            new(LdxMemW, RMajor, R1, 4, 0),
            new(LdxMemW, RMinor, R1, 8, 0),
        };

        for (int i = rules.Count - 1; i >= first; i--)
        {
            AppendRule(program, rules[i] ?? throw new ArgumentException(Invariant($"devices[{i}] is null."), nameof(rules)), i);
        }

        program.Add(new(Alu32MovK, R0, 0, 0, defaultAllow ? 1 : 0));
        program.Add(new(JmpExit, 0, 0, 0, 0));
        return Encode(program);
    }

    /// <summary>A listing of <paramref name="program"/>, one instruction a line, in the kernel verifier's notation.</summary>
    public static string Disassemble(ReadOnlySpan<byte> program)
    {
        if (program.Length % InstructionSize != 0)
        {
            throw new ArgumentException(Invariant($"An eBPF program is a multiple of {InstructionSize} bytes, got {program.Length}."), nameof(program));
        }
        var text = new StringBuilder();
        for (int pc = 0; pc < program.Length / InstructionSize; pc++)
        {
            Instruction insn = Instruction.Decode(program.Slice(pc * InstructionSize, InstructionSize));
            text.Append(CultureInfo.InvariantCulture, $"{pc,4}: ").Append(Format(insn, pc)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>True for the type that means every device: <c>a</c>, or unset as the spec says.</summary>
    public static bool IsAllDevices(string? type) => type is null or "" or "a";

    /// <summary>The BPF_DEVCG_ACC_* bits of an access string (unset is rwm), or -1 for a letter other than r, w, m.</summary>
    public static int AccessBits(string? access)
    {
        if (access is null)
        {
            return AccessAll;
        }
        int bits = 0;
        foreach (char c in access)
        {
            bits |= c switch
            {
                'r' => BPF_DEVCG_ACC_READ,
                'w' => BPF_DEVCG_ACC_WRITE,
                'm' => BPF_DEVCG_ACC_MKNOD,
                _ => -1,
            };
        }
        return access.Length == 0 ? -1 : bits;
    }

    private static void AppendRule(List<Instruction> program, LinuxDeviceCgroup rule, int index)
    {
        int type = rule.Type switch
        {
            "c" => BPF_DEVCG_DEV_CHAR,
            "b" => BPF_DEVCG_DEV_BLOCK,
            _ => throw new ArgumentException(Invariant($"devices[{index}].type must be one of a, b, c, got '{rule.Type}'.")),
        };
        int access = AccessBits(rule.Access);
        if (access < 0)
        {
            throw new ArgumentException(Invariant($"devices[{index}].access must be a combination of r, w and m, got '{rule.Access}'."));
        }
        uint? major = Number(rule.Major, index, "major");
        uint? minor = Number(rule.Minor, index, "minor");

        // Every jump of the block goes to the next block, whose index is known only at the end.
        int start = program.Count;
        program.Add(new(JmpJneK, RType, 0, 0, type));
        if (access != AccessAll)
        {
            program.Add(new(Alu32MovX, R1, RAccess, 0, 0));
            program.Add(new(Alu32AndK, R1, 0, 0, access));
            program.Add(rule.Allow
                ? new(JmpJneX, R1, RAccess, 0, 0) // allow: skip unless (access & rule) == access
                : new(JmpJeqK, R1, 0, 0, 0));     // deny: skip unless (access & rule) != 0
        }
        AppendCompare(program, RMajor, major);
        AppendCompare(program, RMinor, minor);
        int next = program.Count + 2;
        for (int pc = start; pc < program.Count; pc++)
        {
            if (program[pc].IsConditionalJump)
            {
                program[pc] = program[pc] with { Offset = checked((short)(next - (pc + 1))) };
            }
        }
        program.Add(new(Alu32MovK, R0, 0, 0, rule.Allow ? 1 : 0));
        program.Add(new(JmpExit, 0, 0, 0, 0));
    }

    /// <summary>if (reg != value) goto next: a 64-bit compare against the zero-extended u32 the context holds.</summary>
    private static void AppendCompare(List<Instruction> program, byte register, uint? value)
    {
        if (value is not { } v)
        {
            return;
        }
        if (v <= int.MaxValue)
        {
            program.Add(new(JmpJneK, register, 0, 0, (int)v));
        }
        else
        {
            // An immediate is sign-extended to 64 bits and would never equal the zero-extended
            // register; a 32-bit mov zero-extends, so compare against r1 instead.
            program.Add(new(Alu32MovK, R1, 0, 0, unchecked((int)v)));
            program.Add(new(JmpJneX, register, R1, 0, 0));
        }
    }

    private static uint? Number(long? value, int index, string name) => value switch
    {
        null or < 0 => null, // unset, or -1 as runc writes a wildcard
        > uint.MaxValue => throw new ArgumentException(Invariant($"devices[{index}].{name} must be at most {uint.MaxValue}, got {value}.")),
        _ => (uint)value.GetValueOrDefault(),
    };

    private static byte[] Encode(List<Instruction> program)
    {
        byte[] bytes = new byte[program.Count * InstructionSize];
        for (int i = 0; i < program.Count; i++)
        {
            program[i].Encode(bytes.AsSpan(i * InstructionSize, InstructionSize));
        }
        return bytes;
    }

    private static string Format(Instruction insn, int pc)
    {
        string dst = $"r{insn.Dst}";
        string target = Invariant($"goto pc{insn.Offset:+0;-0;+0} <{pc + 1 + insn.Offset}>");
        return insn.Opcode switch
        {
            LdxMemW => Invariant($"r{insn.Dst} = *(u32 *)(r{insn.Src} {insn.Offset:+0;-0;+0})"),
            Alu32AndK => Invariant($"w{insn.Dst} &= 0x{insn.Imm:x}"),
            Alu32RshK => Invariant($"w{insn.Dst} >>= {insn.Imm}"),
            Alu32MovK => Invariant($"w{insn.Dst} = {insn.Imm}"),
            Alu32MovX => Invariant($"w{insn.Dst} = w{insn.Src}"),
            JmpJa => target,
            JmpJeqK => Invariant($"if {dst} == 0x{insn.Imm:x} {target}"),
            JmpJeqX => Invariant($"if {dst} == r{insn.Src} {target}"),
            JmpJneK => Invariant($"if {dst} != 0x{insn.Imm:x} {target}"),
            JmpJneX => Invariant($"if {dst} != r{insn.Src} {target}"),
            JmpExit => "exit",
            _ => Invariant($"(unknown opcode 0x{insn.Opcode:x2}) dst=r{insn.Dst} src=r{insn.Src} off={insn.Offset} imm={insn.Imm}"),
        };
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>One instruction: opcode, destination and source registers, offset, immediate.</summary>
    private readonly record struct Instruction(byte Opcode, byte Dst, byte Src, short Offset, int Imm)
    {
        public bool IsConditionalJump => (Opcode & 0x07) == 0x05 && Opcode is not (JmpJa or JmpExit);

        public void Encode(Span<byte> destination)
        {
            destination[0] = Opcode;
            destination[1] = (byte)((Src << 4) | (Dst & 0x0F));
            BinaryPrimitives.WriteInt16LittleEndian(destination[2..], Offset);
            BinaryPrimitives.WriteInt32LittleEndian(destination[4..], Imm);
        }

        public static Instruction Decode(ReadOnlySpan<byte> source) => new(
            source[0],
            (byte)(source[1] & 0x0F),
            (byte)(source[1] >> 4),
            BinaryPrimitives.ReadInt16LittleEndian(source[2..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[4..]));
    }
}
