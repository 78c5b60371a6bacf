using System.Text.Json.Serialization;
using Lcd.Network.Networks;
using Lcd.Network.Sandboxes;

namespace Lcd.Network;

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(NetworkDefinition))]
[JsonSerializable(typeof(NetworkSandbox))]
[JsonSerializable(typeof(List<PortMapping>))]
internal sealed partial class NetworkJsonContext : JsonSerializerContext;
