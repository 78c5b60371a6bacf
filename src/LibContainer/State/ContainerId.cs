using System.Text.RegularExpressions;

namespace LibContainer.State;

/// <summary>Container ids as runc accepts them: letters, digits, and <c>_ + - .</c>; not "." or "..".</summary>
internal static partial class ContainerId
{
    public const int MaxLength = 1024;

    [GeneratedRegex(@"\A[\w+\-.]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static void Validate(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (id.Length == 0 || id.Length > MaxLength || id is "." or ".." || !Pattern().IsMatch(id) || !id.All(char.IsAscii))
        {
            throw new ArgumentException($"Invalid container id '{id}': use 1 to {MaxLength} of the characters a-z A-Z 0-9 _ + - . (not \".\" or \"..\").", nameof(id));
        }
    }
}
