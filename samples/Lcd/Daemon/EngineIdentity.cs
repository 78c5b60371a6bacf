namespace Lcd.Daemon;

/// <summary>The daemon's ID, made once and kept in the data root (dockerd's engine-id), so /info reports the same ID across restarts.</summary>
public sealed class EngineIdentity
{
    public string Id { get; }

    private EngineIdentity(string id) => Id = id;

    public static EngineIdentity LoadOrCreate(string dataRoot)
    {
        string path = Path.Combine(dataRoot, "engine-id");
        if (File.Exists(path) && Guid.TryParse(File.ReadAllText(path).Trim(), out Guid existing))
        {
            return new EngineIdentity(existing.ToString());
        }
        string id = Guid.NewGuid().ToString();
        string temp = path + ".tmp";
        File.WriteAllText(temp, id + "\n");
        File.Move(temp, path, overwrite: true);
        return new EngineIdentity(id);
    }
}
