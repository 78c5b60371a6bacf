namespace Lcd.Graph;

/// <summary>
/// An image name as Docker reads it (distribution's reference grammar): <c>[domain[:port]/]path[:tag][@digest]</c>.
/// Normalised as Docker does: no domain is <c>docker.io</c>, a one-component path on docker.io gets
/// <c>library/</c>, no tag and no digest is <c>:latest</c>: <c>busybox</c> is <c>docker.io/library/busybox:latest</c>.
/// </summary>
public sealed record ImageReference
{
    /// <summary>Docker Hub's name in references.</summary>
    public const string DefaultDomain = "docker.io";

    private ImageReference(string domain, string path, string? tag, Digest? digest)
    {
        Domain = domain;
        Path = path;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The registry host (and port): <c>docker.io</c>, <c>localhost:5000</c>.</summary>
    public string Domain { get; }

    /// <summary>The repository path in the registry: <c>library/busybox</c>.</summary>
    public string Path { get; }

    /// <summary>The tag, or null when the reference names a digest only.</summary>
    public string? Tag { get; }

    /// <summary>The digest named with <c>@</c>, if any.</summary>
    public Digest? Digest { get; }

    /// <summary><c>domain/path</c>: the repository.</summary>
    public string Repository => $"{Domain}/{Path}";

    /// <summary>The full normalised name: <c>docker.io/library/busybox:latest</c>, <c>localhost:5000/app@sha256:...</c>.</summary>
    public override string ToString() => Repository + (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d : "");

    /// <summary>The short form Docker prints: <c>busybox:latest</c> for Docker Hub's library images.</summary>
    public string FamiliarName
    {
        get
        {
            string repo = Domain == DefaultDomain ? (Path.StartsWith("library/", StringComparison.Ordinal) ? Path[8..] : Path) : Repository;
            return repo + (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d : "");
        }
    }

    /// <summary>This reference with another tag (and no digest).</summary>
    public ImageReference WithTag(string tag) => new(Domain, Path, CheckTag(tag, tag), null);

    /// <summary>Parses and normalises; a refused name says why.</summary>
    public static ImageReference Parse(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        string name = reference;
        if (name.Length == 0)
        {
            throw Invalid(reference, "it is empty");
        }
        Digest? digest = null;
        int at = name.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            if (!Lcd.Graph.Digest.TryParse(name[(at + 1)..], out Digest d))
            {
                throw Invalid(reference, $"'{name[(at + 1)..]}' is not a sha256 digest");
            }
            digest = d;
            name = name[..at];
        }
        string? tag = null;
        int slash = name.LastIndexOf('/');
        int colon = name.LastIndexOf(':');
        if (colon > slash)
        {
            tag = CheckTag(name[(colon + 1)..], reference);
            name = name[..colon];
        }
        string domain = DefaultDomain;
        string path = name;
        int first = name.IndexOf('/', StringComparison.Ordinal);
        if (first >= 0)
        {
            string head = name[..first];
            if (head.Contains('.', StringComparison.Ordinal) || head.Contains(':', StringComparison.Ordinal) || head == "localhost" || head.Any(char.IsAsciiLetterUpper))
            {
                domain = CheckDomain(head, reference);
                path = name[(first + 1)..];
            }
        }
        if (domain == "index.docker.io")
        {
            domain = DefaultDomain;
        }
        foreach (string component in path.Split('/'))
        {
            CheckComponent(component, reference);
        }
        if (domain == DefaultDomain && !path.Contains('/', StringComparison.Ordinal))
        {
            path = "library/" + path;
        }
        if (domain.Length + 1 + path.Length > 255)
        {
            throw Invalid(reference, "the repository name is longer than 255 characters");
        }
        if (tag is null && digest is null)
        {
            tag = "latest";
        }
        return new ImageReference(domain, path, tag, digest);
    }

    /// <summary>Parses without throwing.</summary>
    public static bool TryParse(string reference, out ImageReference? result)
    {
        try
        {
            result = Parse(reference);
            return true;
        }
        catch (FormatException)
        {
            result = null;
            return false;
        }
    }

    private static string CheckTag(string tag, string reference)
    {
        // [\w][\w.-]{0,127}
        if (tag.Length is 0 or > 128 || !(char.IsAsciiLetterOrDigit(tag[0]) || tag[0] == '_')
            || tag.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-')))
        {
            throw Invalid(reference, $"tag '{tag}' must be 1-128 of [A-Za-z0-9_.-], not starting with '.' or '-'");
        }
        return tag;
    }

    private static string CheckDomain(string domain, string reference)
    {
        string host = domain;
        int colon = domain.LastIndexOf(':');
        if (colon >= 0)
        {
            string port = domain[(colon + 1)..];
            if (port.Length == 0 || !port.All(char.IsAsciiDigit))
            {
                throw Invalid(reference, $"port '{port}' of registry '{domain}' is not a number");
            }
            host = domain[..colon];
        }
        foreach (string label in host.Split('.'))
        {
            if (label.Length == 0 || !char.IsAsciiLetterOrDigit(label[0]) || !char.IsAsciiLetterOrDigit(label[^1])
                || label.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-')))
            {
                throw Invalid(reference, $"registry '{domain}' is not a host name");
            }
        }
        return domain;
    }

    // [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
    private static void CheckComponent(string component, string reference)
    {
        if (component.Length == 0)
        {
            throw Invalid(reference, "a path component is empty");
        }
        if (component.Any(char.IsAsciiLetterUpper))
        {
            throw Invalid(reference, "repository name must be lowercase");
        }
        int i = 0;
        while (true)
        {
            int start = i;
            while (i < component.Length && (char.IsAsciiDigit(component[i]) || char.IsAsciiLetterLower(component[i])))
            {
                i++;
            }
            if (i == start)
            {
                throw Invalid(reference, $"path component '{component}' must be [a-z0-9] separated by '.', '_', '__' or dashes");
            }
            if (i == component.Length)
            {
                return;
            }
            int sep = i;
            while (i < component.Length && component[i] is '.' or '_' or '-')
            {
                i++;
            }
            string separator = component[sep..i];
            if (!(separator is "." or "_" or "__" || separator.All(c => c == '-')) || i == component.Length)
            {
                throw Invalid(reference, $"path component '{component}' must be [a-z0-9] separated by '.', '_', '__' or dashes");
            }
        }
    }

    private static FormatException Invalid(string reference, string reason) => new($"invalid reference format '{reference}': {reason}");
}
