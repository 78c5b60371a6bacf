using System.Security.Cryptography;

namespace Lcd.Graph;

/// <summary>A content digest, <c>sha256:</c> and 64 lowercase hex digits (the only algorithm the store accepts).</summary>
public readonly record struct Digest
{
    private Digest(string hex) => Hex = hex;

    /// <summary>The 64 hex digits.</summary>
    public string Hex { get; }

    /// <summary>Parses <c>sha256:hex</c>; anything else is refused with the reason.</summary>
    public static Digest Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return TryParse(value, out Digest digest) ? digest
            : throw new FormatException($"invalid digest '{value}': expected sha256: followed by 64 lowercase hex digits");
    }

    /// <summary>Parses <c>sha256:hex</c>.</summary>
    public static bool TryParse(string? value, out Digest digest)
    {
        digest = default;
        if (value is null || !value.StartsWith("sha256:", StringComparison.Ordinal) || value.Length != 7 + 64)
        {
            return false;
        }
        foreach (char c in value.AsSpan(7))
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }
        digest = new Digest(value[7..]);
        return true;
    }

    /// <summary>The digest of finished hash output.</summary>
    public static Digest FromHash(ReadOnlySpan<byte> sha256) => new(Convert.ToHexStringLower(sha256));

    /// <summary>The digest of some bytes.</summary>
    public static Digest Of(ReadOnlySpan<byte> data) => FromHash(SHA256.HashData(data));

    /// <inheritdoc/>
    public override string ToString() => "sha256:" + Hex;
}
