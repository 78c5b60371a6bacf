using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using LibContainer.Spec;

namespace LibContainer.Cgroups;

/// <summary>runc update's rule: the new resources replace the old ones field by field; unset fields stay.</summary>
internal static class ResourceMerge
{
    public static LinuxResources Merge(LinuxResources? old, LinuxResources update)
    {
        if (old is null)
        {
            return update;
        }
        JsonObject merged = JsonNode.Parse(SpecWriter.ToUtf8(old))!.AsObject();
        MergeInto(merged, JsonNode.Parse(SpecWriter.ToUtf8(update))!.AsObject());
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            merged.WriteTo(writer);
        }
        return SpecReader.Read(buffer.WrittenSpan, file: null, SpecReader.ReadResources);
    }

    private static void MergeInto(JsonObject target, JsonObject changes)
    {
        foreach ((string name, JsonNode? value) in changes.ToList())
        {
            if (value is JsonObject child && target[name] is JsonObject existing)
            {
                MergeInto(existing, child);
            }
            else
            {
                target[name] = value?.DeepClone();
            }
        }
    }
}
