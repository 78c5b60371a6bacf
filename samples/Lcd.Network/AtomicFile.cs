namespace Lcd.Network;

/// <summary>Records written whole or not at all: a temp file, fsync, rename over the old one.</summary>
internal static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        string temp = $"{path}.tmp-{Environment.ProcessId}";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
