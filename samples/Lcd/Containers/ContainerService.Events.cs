using Lcd.Daemon;

namespace Lcd.Containers;

public sealed partial class ContainerService
{
    /// <summary>Publishes a container event with dockerd's attributes: name, image, the labels, then <paramref name="extra"/> (exitCode, signal ...).</summary>
    internal void Publish(ContainerEntry entry, string action, params (string Key, string Value)[] extra)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in entry.Record.Config.Labels ?? [])
        {
            attributes[key] = value;
        }
        attributes["image"] = entry.Record.Config.Image ?? entry.Record.Image;
        attributes["name"] = entry.Record.Name.TrimStart('/');
        foreach ((string key, string value) in extra)
        {
            attributes[key] = value;
        }
        Events.Publish("container", action, entry.Record.Id, attributes);
    }
}
