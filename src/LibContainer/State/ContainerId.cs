using System.Buffers;

namespace LibContainer.State;

/// <summary>Container ids as runc accepts them (<c>^[\w+-\.]+$</c>, Go's ASCII <c>\w</c>): letters, digits, and <c>_ + - .</c>; not "." or "..".</summary>
internal static class ContainerId
{
    public const int MaxLength = 1024;

    // A set, not a Regex: every command validates an id, and a generated Regex's first use costs ~0.3 ms of
    // static tables in a fresh native AOT process.
    private static readonly SearchValues<char> s_allowed =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.");

    public static bool IsValid(string id) =>
        id.Length > 0 && id.Length <= MaxLength && id is not ("." or "..") && !id.AsSpan().ContainsAnyExcept(s_allowed);

    public static void Validate(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!IsValid(id))
        {
            throw new ArgumentException($"Invalid container id '{id}': use 1 to {MaxLength} of the characters a-z A-Z 0-9 _ + - . (not \".\" or \"..\").", nameof(id));
        }
    }
}
