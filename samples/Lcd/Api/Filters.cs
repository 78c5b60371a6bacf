using System.Text.Json;

namespace Lcd.Api;

/// <summary>Docker's filters query parameter: {"name": ["web"], "label": ["a=b"]}, or the older {"name": {"web": true}}.</summary>
internal static class Filters
{
    public static Dictionary<string, List<string>> Parse(string? json, params string[] allowed)
    {
        var filters = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(json))
        {
            return filters;
        }
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            foreach (JsonProperty filter in doc.RootElement.EnumerateObject())
            {
                filters[filter.Name] = filter.Value.ValueKind == JsonValueKind.Array
                    ? filter.Value.EnumerateArray().Select(v => v.GetString() ?? "").ToList()
                    : filter.Value.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.True).Select(p => p.Name).ToList();
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw ApiException.BadRequest($"invalid filter: {ex.Message}");
        }
        foreach (string key in filters.Keys)
        {
            if (!allowed.Contains(key))
            {
                throw ApiException.BadRequest($"invalid filter '{key}'");
            }
        }
        return filters;
    }

    /// <summary>A label filter value ("key" or "key=value") against labels.</summary>
    public static bool LabelMatches(string filter, IReadOnlyDictionary<string, string>? labels)
    {
        string[] kv = filter.Split('=', 2);
        return labels is not null && labels.TryGetValue(kv[0], out string? value) && (kv.Length == 1 || value == kv[1]);
    }
}
