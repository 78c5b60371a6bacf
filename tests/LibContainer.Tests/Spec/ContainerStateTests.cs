using System.Text.Json.Nodes;
using FluentAssertions;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Spec;

public sealed class ContainerStateTests
{
    [Fact]
    public void ToJson_RunningContainer_WritesTheSpecFields()
    {
        var state = new ContainerState
        {
            OciVersion = "1.2.0",
            Id = "oci-container1",
            Status = "running",
            Pid = 4422,
            Bundle = "/containers/redis",
            Annotations = new() { ["myKey"] = "myValue" },
        };

        string json = state.ToJson();

        JsonNode.Parse(json)!.ToJsonString().Should().Be(
            """{"ociVersion":"1.2.0","id":"oci-container1","status":"running","pid":4422,"bundle":"/containers/redis","annotations":{"myKey":"myValue"}}""");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public void ToJson_NoPid_OmitsPid(int? pid)
    {
        var state = new ContainerState { OciVersion = "1.2.0", Id = "c", Status = "stopped", Pid = pid, Bundle = "/b" };

        string json = state.ToJson();

        JsonNode.Parse(json)!.AsObject().ContainsKey("pid").Should().BeFalse();
        state.Pid.Should().Be(pid);
    }

    [Fact]
    public void Parse_StateJson_RoundTrips()
    {
        const string json = """{ "ociVersion": "1.0.2", "id": "c1", "status": "created", "pid": 12, "bundle": "/b", "extra": 1 }""";

        ContainerState state = ContainerState.Parse(json);

        state.Should().Be(new ContainerState { OciVersion = "1.0.2", Id = "c1", Status = "created", Pid = 12, Bundle = "/b" });
        ContainerState.Parse(state.ToJson()).Should().Be(state);
    }

    [Fact]
    public void Parse_MissingBundle_ThrowsNamingIt()
    {
        Action parse = () => ContainerState.Parse("""{ "ociVersion": "1.2.0", "id": "c1", "status": "created" }""");

        parse.Should().Throw<SpecValidationException>().Which.Errors.Should().ContainSingle().Which.Path.Should().Be("bundle");
    }
}
