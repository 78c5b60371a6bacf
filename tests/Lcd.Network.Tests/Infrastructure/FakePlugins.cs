namespace Lcd.Network.Tests.Infrastructure;

/// <summary>
/// Plugins written as shell scripts in a temp CNI_PATH: each logs its command, environment and stdin,
/// so a test sees exactly what the runtime handed it; a real plugin may sit beside them.
/// </summary>
internal sealed class FakePlugins : IDisposable
{
    public FakePlugins()
    {
        Dir = Directory.CreateTempSubdirectory("lcd-cni-fake-").FullName;
        Log = Path.Combine(Dir, "log");
    }

    public string Dir { get; }

    public string Log { get; }

    /// <summary>A plugin that logs "TYPE COMMAND ifname" and its stdin, then prints <paramref name="addResult"/> for ADD.</summary>
    public void Add(string type, string addResult, string? body = null)
    {
        string path = Path.Combine(Dir, type);
        File.WriteAllText(path, $$"""
            #!/bin/sh
            input=$(cat)
            echo "{{type}} $CNI_COMMAND $CNI_IFNAME $CNI_CONTAINERID $CNI_NETNS" >> {{Log}}
            printf '%s\n' "$input" > {{Dir}}/{{type}}.$CNI_COMMAND.stdin
            {{body}}
            if [ "$CNI_COMMAND" = ADD ]; then printf '%s' '{{addResult}}'; fi
            exit 0
            """);
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("755", 8));
    }

    public string Stdin(string type, string command) => File.ReadAllText(Path.Combine(Dir, $"{type}.{command}.stdin"));

    public string[] Calls() => File.Exists(Log) ? File.ReadAllLines(Log) : [];

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
