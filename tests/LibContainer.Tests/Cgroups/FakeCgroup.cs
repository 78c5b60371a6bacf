using LibContainer.Cgroups;

namespace LibContainer.Tests.Cgroups;

/// <summary>
/// A temp directory shaped like one cgroup directory of cgroupfs: the files the kernel would have,
/// with the contents it would show (a trailing newline, as the kernel prints them). Controllers
/// write without a newline, so a changed file is always told apart from an untouched one.
/// </summary>
internal sealed class FakeCgroup : IDisposable
{
    private readonly Dictionary<string, string> _initial = new(StringComparer.Ordinal);

    public FakeCgroup(params (string File, string Content)[] files)
    {
        Path = Directory.CreateTempSubdirectory("lc-cgroup-").FullName;
        foreach ((string file, string content) in files)
        {
            With(file, content);
        }
    }

    public string Path { get; }

    public static CgroupHostInfo Host(string cpus = "0-1", string mems = "0", params string[] hugePageSizes) => new()
    {
        Cpus = CgroupFiles.ParseCpuList(cpus),
        MemoryNodes = CgroupFiles.ParseCpuList(mems),
        HugePageSizes = (hugePageSizes.Length == 0 ? ["2MB"] : hugePageSizes).ToHashSet(StringComparer.Ordinal),
    };

    public FakeCgroup With(string file, string content)
    {
        File.WriteAllText(System.IO.Path.Combine(Path, file), content);
        _initial[file] = content;
        return this;
    }

    public string Read(string file) => File.ReadAllText(System.IO.Path.Combine(Path, file));

    public bool Exists(string file) => File.Exists(System.IO.Path.Combine(Path, file));

    /// <summary>Makes every write to <paramref name="file"/> fail (even as root): it becomes a directory.</summary>
    public FakeCgroup Refusing(string file)
    {
        string path = System.IO.Path.Combine(Path, file);
        File.Delete(path);
        Directory.CreateDirectory(path);
        _initial.Remove(file);
        return this;
    }

    /// <summary>The files whose contents are no longer what the kernel showed, with their new contents.</summary>
    public Dictionary<string, string> Changed()
    {
        var changed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFiles(Path))
        {
            string file = System.IO.Path.GetFileName(path);
            string content = File.ReadAllText(path);
            if (!_initial.TryGetValue(file, out string? initial) || initial != content)
            {
                changed[file] = content;
            }
        }
        return changed;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
