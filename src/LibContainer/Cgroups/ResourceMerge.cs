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
        JsonNode merged = JsonSerializer.SerializeToNode(old, SpecJsonContext.Default.LinuxResources)!;
        JsonNode changes = JsonSerializer.SerializeToNode(update, SpecJsonContext.Default.LinuxResources)!;
        MergeInto(merged.AsObject(), changes.AsObject());
        return merged.Deserialize(SpecJsonContext.Default.LinuxResources)!;
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
