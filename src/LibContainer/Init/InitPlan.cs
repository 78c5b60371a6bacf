using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace LibContainer.Init;

/// <summary>
/// The compiled form of a spec: every step the native init will take, in order. Steps before
/// <see cref="InitOp.Clone"/> run in the spawned init; the rest in the container process.
/// </summary>
/// <remarks>
/// The wire format (src/LibContainer.Native/lc.h decodes it): a header of four u32 (magic "LCIN",
/// version, step count, total length), then per step u32 op, u32 string count, i64 a, b, c, and
/// each string as u32 length, bytes, NUL. Little endian, since both ends share the machine.
/// </remarks>
public sealed class InitPlan
{
    internal const uint Magic = 0x4E49434C; // "LCIN"
    internal const uint ProtocolVersion = 2;
    internal const int MaxSteps = 1024;
    internal const int MaxBytes = 1 << 20;

    internal InitPlan(IReadOnlyList<InitStep> steps, IReadOnlyList<IdMappedMount>? idMappedMounts = null, IReadOnlyList<string>? warnings = null)
    {
        Steps = steps;
        IdMappedMounts = idMappedMounts ?? [];
        Warnings = warnings ?? [];
    }

    /// <summary>
    /// What the spec asks for and the plan leaves out, each naming its field: capabilities that are unknown
    /// or cannot be granted on this host, ambient capabilities the kernel would refuse. The runtime-spec
    /// wants each "logged as a warning by the runtime"; creating the container logs them.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

    internal IReadOnlyList<InitStep> Steps { get; }

    /// <summary>The id-mapped mounts the library makes (with host privileges) and sends with go, in plan order.</summary>
    internal IReadOnlyList<IdMappedMount> IdMappedMounts { get; }

    /// <summary>The number of steps.</summary>
    public int Count => Steps.Count;

    /// <summary>The plan as text, one line per step in the order the init runs them.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        int width = (Steps.Count - 1).ToString(CultureInfo.InvariantCulture).Length;
        for (int i = 0; i < Steps.Count; i++)
        {
            InitStep step = Steps[i];
            text.Append(CultureInfo.InvariantCulture, $"{i.ToString(CultureInfo.InvariantCulture).PadLeft(width)}  {step.Text}");
            if (step.Source is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $"    [{step.Source}]");
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The text of step <paramref name="index"/>, with its source, for errors.</summary>
    internal string Describe(int index) =>
        index >= 0 && index < Steps.Count
            ? Steps[index].Source is { } source ? $"{Steps[index].Text} [{source}]" : Steps[index].Text
            : index == Steps.Count ? "end of plan" : "reading the plan";

    internal byte[] Encode()
    {
        if (Steps.Count > MaxSteps)
        {
            throw new ArgumentException($"The plan has {Steps.Count} steps; the init takes at most {MaxSteps}.");
        }
        int length = 16;
        foreach (InitStep step in Steps)
        {
            length += 8 + 24;
            foreach (byte[] s in step.Strings)
            {
                length += 4 + s.Length + 1;
            }
        }
        if (length > MaxBytes)
        {
            throw new ArgumentException($"The plan is {length} bytes; the init takes at most {MaxBytes} (process.env or args too large?).");
        }
        byte[] buffer = new byte[length];
        Span<byte> span = buffer;
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], ProtocolVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], (uint)Steps.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)length);
        int at = 16;
        foreach (InitStep step in Steps)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)step.Op);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 4)..], (uint)step.Strings.Count);
            BinaryPrimitives.WriteInt64LittleEndian(span[(at + 8)..], step.A);
            BinaryPrimitives.WriteInt64LittleEndian(span[(at + 16)..], step.B);
            BinaryPrimitives.WriteInt64LittleEndian(span[(at + 24)..], step.C);
            at += 32;
            foreach (byte[] s in step.Strings)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)s.Length);
                s.CopyTo(span[(at + 4)..]);
                at += 4 + s.Length;
                span[at++] = 0;
            }
        }
        return buffer;
    }
}

/// <summary>A bind mount to id-map through the container's user namespace: its host source and whether the tree is recursive.</summary>
internal sealed record IdMappedMount(string Source, bool Recursive, bool RecursiveIdMap, string Field);
