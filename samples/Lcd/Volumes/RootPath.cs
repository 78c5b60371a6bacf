namespace Lcd.Volumes;

/// <summary>
/// A path inside a container's root filesystem resolved as the container would see it: every
/// symlink on the way is followed relative to the root, and ".." stops at the root, so the result
/// never leaves it (runc's and moby's securejoin, for reading image content on the host's side).
/// </summary>
internal static class RootPath
{
    private const int MaxSymlinks = 40;

    public static string Resolve(string root, string path)
    {
        var done = new List<string>();
        var todo = new Stack<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        int links = 0;
        while (todo.TryPop(out string? part))
        {
            if (part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (done.Count > 0)
                {
                    done.RemoveAt(done.Count - 1);
                }
                continue;
            }
            string candidate = Path.Combine(root, Path.Combine([.. done, part]));
            var info = new FileInfo(candidate);
            if (info.LinkTarget is string target)
            {
                if (++links > MaxSymlinks)
                {
                    throw new IOException($"{path}: too many levels of symbolic links in the image (errno 40)");
                }
                if (target.StartsWith('/'))
                {
                    done.Clear();
                }
                foreach (string next in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
                {
                    todo.Push(next);
                }
                continue;
            }
            done.Add(part);
        }
        return done.Count == 0 ? root : Path.Combine(root, Path.Combine([.. done]));
    }

    /// <summary>Whether <paramref name="path"/> is an absolute, clean container path other than "/" (no "." or ".." parts).</summary>
    public static bool IsCleanDestination(string path) =>
        path.StartsWith('/') && path.Length > 1 && path.Split('/', StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } parts && parts.All(p => p is not ("." or ".."));
}
