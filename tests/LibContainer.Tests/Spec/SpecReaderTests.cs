using FluentAssertions;
using LibContainer.Spec;
using LibContainer.State;
using Xunit;

namespace LibContainer.Tests.Spec;

/// <summary>The hand-written reader accepts what System.Text.Json's serializer accepted with its defaults, and no more.</summary>
public sealed class SpecReaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lc-reader-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("""{ "ociVersion": "1.2.0", /* c */ "hostname": "a" }""", "'/' is an invalid start of a property name. Expected a '\"' (line 1, column 26)")]
    [InlineData("""{ "ociVersion": "1.2.0", "hostname": "a", }""", "The JSON object contains a trailing comma at the end which is not supported in this mode. Change the reader options (line 1, column 43)")]
    [InlineData("""{ "ociVersion": "1.2.0" } {}""", "'{' is invalid after a single JSON value. Expected end of data (line 1, column 27)")]
    [InlineData("", "The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, when isFinalBlock is true (line 1, column 1)")]
    public void Parse_NotStrictJson_IsMalformed(string json, string reason)
    {
        Action parse = () => RuntimeSpec.Parse(json);

        parse.Should().Throw<SpecValidationException>().Which.Errors.Should().ContainSingle()
            .Which.ToString().Should().Be($"(root): malformed JSON: {reason}");
    }

    [Fact]
    public void Parse_TooDeepUnknownProperty_IsMalformed()
    {
        string json = $$"""{ "ociVersion": "1.2.0", "future": {{new string('[', 65)}}{{new string(']', 65)}} }""";

        Action parse = () => RuntimeSpec.Parse(json);

        parse.Should().Throw<SpecValidationException>().Which.Message.Should().Contain("malformed JSON: The maximum configured depth of 64 has been exceeded");
    }

    [Fact]
    public void Parse_SyntaxErrorAfterAValueOfTheWrongType_ReportsTheSyntaxError()
    {
        Action parse = () => RuntimeSpec.Parse("""{ "ociVersion": 5, "hostname": }""");

        parse.Should().Throw<SpecValidationException>().Which.Errors.Should().ContainSingle()
            .Which.ToString().Should().Be("(root): malformed JSON: '}' is an invalid start of a value (line 1, column 32)");
    }

    [Theory]
    [InlineData("1.5", "1.5")]
    [InlineData("4294967296", "4294967296")]
    [InlineData("1e3", "1e3")]
    [InlineData("\"1\"", "\"1\"")]
    public void Parse_NumberThatDoesNotFit_NamesIt(string value, string shown)
    {
        Action parse = () => RuntimeSpec.Parse($$"""{ "ociVersion": "1.2.0", "process": { "user": { "uid": {{value}}, "gid": 0 }, "cwd": "/" } }""");

        parse.Should().Throw<SpecValidationException>().Which.Errors.Should().ContainSingle()
            .Which.ToString().Should().Be($"process.user.uid: expected an unsigned 32-bit integer, got {shown} (line 1, column 56)");
    }

    [Fact]
    public void Parse_DuplicateProperty_LastWins()
    {
        RuntimeSpec spec = RuntimeSpec.Parse("""{ "ociVersion": "1.0.0", "hostname": "a", "ociVersion": "1.2.0", "hostname": null }""");

        spec.OciVersion.Should().Be("1.2.0");
        spec.Hostname.Should().BeNull();
    }

    [Fact]
    public void Parse_PropertyNames_AreCaseSensitiveAndMayBeEscaped()
    {
        RuntimeSpec spec = RuntimeSpec.Parse("""{ "\u006fciVersion": "1.2.0", "Hostname": "a" }""");

        spec.OciVersion.Should().Be("1.2.0");
        spec.Hostname.Should().BeNull();
    }

    [Fact]
    public void Parse_NullElements_AreKeptForTheValidatorToName()
    {
        RuntimeSpec spec = RuntimeSpec.Parse("""{ "ociVersion": "1.2.0", "mounts": [null], "annotations": { "a": null } }""");

        spec.Mounts.Should().Equal([null!]);
        spec.Annotations!["a"].Should().BeNull();
        SpecValidator.Validate(spec, bundlePath: null).Should().Contain(e => e.Path == "mounts[0]");
    }

    [Fact]
    public void Parse_NullForANonNullableElement_NamesIt()
    {
        Action parse = () => RuntimeSpec.Parse("""{ "ociVersion": "1.2.0", "process": { "user": { "uid": 0, "gid": 0, "additionalGids": [1, null] }, "cwd": "/" } }""");

        parse.Should().Throw<SpecValidationException>().Which.Errors.Should().ContainSingle()
            .Which.ToString().Should().Be("process.user.additionalGids[1]: must not be null (line 1, column 91)");
    }

    [Fact]
    public void SpecSummaryLoad_Config_ReadsHooksNamespacesAndAnnotationsOnly()
    {
        string path = Path.Combine(_directory, "config.json");
        File.WriteAllText(path, """
            {
              "process": 5,
              "hooks": { "prestart": 5, "poststart": [{ "path": "/bin/a", "args": ["a", "1"], "timeout": 3 }], "poststop": [{ "path": "/bin/b" }] },
              "linux": { "resources": "ignored", "namespaces": [{ "type": "pid" }, { "type": "network", "path": "/run/netns/x" }] },
              "annotations": { "k": "v" }
            }
            """);

        SpecSummary summary = SpecSummary.Load(path);

        summary.Hooks!.Poststart.Should().Equal(new Hook { Path = "/bin/a", Args = summary.Hooks.Poststart![0].Args, Timeout = 3 });
        summary.Hooks.Poststart[0].Args.Should().Equal("a", "1");
        summary.Hooks.Poststop.Should().Equal(new Hook { Path = "/bin/b" });
        summary.Linux!.Namespaces.Should().Equal(new LinuxNamespace { Type = "pid" }, new LinuxNamespace { Type = "network", Path = "/run/netns/x" });
        summary.OwnPidNamespace.Should().BeTrue();
        summary.Annotations.Should().Equal(new Dictionary<string, string> { ["k"] = "v" });
    }

    [Fact]
    public void SpecSummaryLoad_WrongTypeInAHook_NamesFileAndPath()
    {
        string path = Path.Combine(_directory, "config.json");
        File.WriteAllText(path, """{ "hooks": { "poststop": [{ "path": 5 }] } }""");

        Action load = () => SpecSummary.Load(path);

        load.Should().Throw<SpecValidationException>().WithMessage($"hooks.poststop[0].path: expected a string, got 5 ({path}, line 1, column 37)");
    }
}
