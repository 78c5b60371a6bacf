using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FluentAssertions;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Spec;

/// <summary>
/// The hand-written reader and writer against System.Text.Json's serializer (<see cref="ReferenceJsonContext"/>) on
/// models filled by reflection: every settable property of every record reachable from the root is set, so a
/// property that the hand code does not name makes these tests fail.
/// </summary>
public sealed class SpecJsonDriftTests
{
    [Fact]
    public void ToJson_EveryPropertySet_WritesWhatSystemTextJsonWrites()
    {
        var spec = (RuntimeSpec)new Filler().Fill(typeof(RuntimeSpec));

        spec.ToJson().Should().Be(ReferenceJsonContext.Serialize(spec, ReferenceJsonContext.Default.RuntimeSpec));
    }

    [Fact]
    public void Parse_SystemTextJsonOutputWithEveryProperty_ReadsEveryProperty()
    {
        string json = ReferenceJsonContext.Serialize((RuntimeSpec)new Filler().Fill(typeof(RuntimeSpec)), ReferenceJsonContext.Default.RuntimeSpec);

        RuntimeSpec.Parse(json).ToJson().Should().Be(json);
    }

    [Fact]
    public void ContainerState_EveryPropertySet_WritesAndReadsAsSystemTextJson()
    {
        var state = (ContainerState)new Filler().Fill(typeof(ContainerState));
        string json = ReferenceJsonContext.Serialize(state, ReferenceJsonContext.Default.ContainerState);

        state.ToJson().Should().Be(json);
        ContainerState.Parse(json).ToJson().Should().Be(json);
    }

    [Fact]
    public void Parse_EachRequiredPropertyMissing_NamesIt()
    {
        JsonObject root = FullSpecNode();
        int checkedCount = 0;

        foreach ((string path, JsonObject node, Type type) in Objects(root, typeof(RuntimeSpec), ""))
        {
            foreach (PropertyInfo property in ModelProperties(type).Where(p => p.IsDefined(typeof(RequiredMemberAttribute))))
            {
                string name = JsonName(property);
                JsonNode? value = node[name];
                node.Remove(name);

                Action parse = () => RuntimeSpec.Parse(root.ToJsonString());

                parse.Should().Throw<SpecValidationException>().Which.Errors.Should().ContainSingle()
                    .Which.Should().Match<SpecError>(e => e.Path == Join(path, name) && e.Message.StartsWith("required property is missing", StringComparison.Ordinal));
                node[name] = value;
                checkedCount++;
            }
        }

        checkedCount.Should().BeGreaterThan(30);
    }

    [Fact]
    public void Parse_NullForEachProperty_FailsExactlyWhereThePropertyIsNotNullable()
    {
        JsonObject root = FullSpecNode();
        var nullability = new NullabilityInfoContext();

        foreach ((string path, JsonObject node, Type type) in Objects(root, typeof(RuntimeSpec), ""))
        {
            foreach (PropertyInfo property in ModelProperties(type))
            {
                string name = JsonName(property);
                JsonNode? value = node[name];
                node[name] = null;
                bool nullable = nullability.Create(property).WriteState == NullabilityState.Nullable;

                Action parse = () => RuntimeSpec.Parse(root.ToJsonString());

                if (nullable)
                {
                    parse.Should().NotThrow(Join(path, name));
                }
                else
                {
                    parse.Should().Throw<SpecValidationException>(Join(path, name)).Which.Errors.Should().ContainSingle()
                        .Which.Should().Match<SpecError>(e => e.Path == Join(path, name) && e.Message.StartsWith("must not be null (", StringComparison.Ordinal));
                }
                node[name] = value;
            }
        }
    }

    private static JsonObject FullSpecNode() =>
        JsonNode.Parse(ReferenceJsonContext.Serialize((RuntimeSpec)new Filler().Fill(typeof(RuntimeSpec)), ReferenceJsonContext.Default.RuntimeSpec))!.AsObject();

    /// <summary>Every JSON object of a record in the document, with its spec path and record type.</summary>
    private static IEnumerable<(string Path, JsonObject Node, Type Type)> Objects(JsonNode node, Type type, string path)
    {
        if (Element(type, typeof(List<>)) is { } element)
        {
            JsonArray array = node.AsArray();
            for (int i = 0; i < array.Count; i++)
            {
                foreach (var found in Objects(array[i]!, element, path + $"[{i}]"))
                {
                    yield return found;
                }
            }
        }
        else if (Element(type, typeof(Dictionary<,>)) is { } value)
        {
            foreach ((string key, JsonNode? child) in node.AsObject().ToList())
            {
                foreach (var found in Objects(child!, value, key.Contains('.', StringComparison.Ordinal) ? $"{path}[\"{key}\"]" : Join(path, key)))
                {
                    yield return found;
                }
            }
        }
        else if (IsRecord(type))
        {
            JsonObject obj = node.AsObject();
            yield return (path, obj, type);
            foreach (PropertyInfo property in ModelProperties(type))
            {
                foreach (var found in Objects(obj[JsonName(property)]!, property.PropertyType, Join(path, JsonName(property))))
                {
                    yield return found;
                }
            }
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string JsonName(PropertyInfo property) => property.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name;

    private static IEnumerable<PropertyInfo> ModelProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true);

    private static bool IsRecord(Type type) => type.Namespace == typeof(RuntimeSpec).Namespace && type.IsClass;

    private static Type? Element(Type type, Type generic) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == generic ? type.GetGenericArguments()[^1] : null;

    /// <summary>Fills every settable property: strings that need escaping, extreme numbers, true, two elements and two entries.</summary>
    private sealed class Filler
    {
        private int _next;

        public object Fill(Type type)
        {
            int n = ++_next;
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (type == typeof(string))
            {
                return string.Create(CultureInfo.InvariantCulture, $"v{n} a+b&c<d>'é\"\\\t\u0001\u2028");
            }
            if (type == typeof(bool))
            {
                return true;
            }
            if (type == typeof(int))
            {
                return int.MinValue + n;
            }
            if (type == typeof(long))
            {
                return long.MinValue + n;
            }
            if (type == typeof(ushort))
            {
                return (ushort)(ushort.MaxValue - n);
            }
            if (type == typeof(uint))
            {
                return uint.MaxValue - (uint)n;
            }
            if (type == typeof(ulong))
            {
                return ulong.MaxValue - (ulong)n;
            }
            if (Element(type, typeof(List<>)) is { } element)
            {
                var list = (IList)Activator.CreateInstance(type)!;
                list.Add(Fill(element));
                list.Add(Fill(element));
                return list;
            }
            if (Element(type, typeof(Dictionary<,>)) is { } value)
            {
                var map = (IDictionary)Activator.CreateInstance(type)!;
                map[$"key.{n}"] = Fill(value);
                map[$"key{n}"] = Fill(value);
                return map;
            }
            if (IsRecord(type))
            {
                object record = Activator.CreateInstance(type)!;
                foreach (PropertyInfo property in ModelProperties(type))
                {
                    property.SetValue(record, Fill(property.PropertyType));
                }
                return record;
            }
            throw new NotSupportedException($"The filler does not know {type}: teach it, so the drift tests cover it.");
        }
    }
}
