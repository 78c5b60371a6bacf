using System.Text.Json.Serialization;

namespace Lcd.Network.Cni;

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CniResult))]
[JsonSerializable(typeof(CniError))]
[JsonSerializable(typeof(CniVersionResult))]
[JsonSerializable(typeof(CniCacheEntry))]
internal sealed partial class CniJsonContext : JsonSerializerContext;
