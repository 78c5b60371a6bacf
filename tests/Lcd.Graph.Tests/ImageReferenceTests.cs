namespace Lcd.Graph.Tests;

public class ImageReferenceTests
{
    private const string Hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("busybox", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("busybox:latest", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36")]
    [InlineData("library/busybox", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("user/app", "docker.io/user/app:latest", "user/app:latest")]
    [InlineData("localhost:5000/app:1", "localhost:5000/app:1", "localhost:5000/app:1")]
    [InlineData("localhost/app", "localhost/app:latest", "localhost/app:latest")]
    [InlineData("127.0.0.1:5000/a/b/c:v1.0-rc_2", "127.0.0.1:5000/a/b/c:v1.0-rc_2", "127.0.0.1:5000/a/b/c:v1.0-rc_2")]
    [InlineData("quay.io/org/my-app__x.y", "quay.io/org/my-app__x.y:latest", "quay.io/org/my-app__x.y:latest")]
    [InlineData("busybox@sha256:" + Hex, "docker.io/library/busybox@sha256:" + Hex, "busybox@sha256:" + Hex)]
    [InlineData("busybox:1@sha256:" + Hex, "docker.io/library/busybox:1@sha256:" + Hex, "busybox:1@sha256:" + Hex)]
    [InlineData("Registry.Example.com/app", "Registry.Example.com/app:latest", "Registry.Example.com/app:latest")]
    public void Parse_DockerNames_NormalisedAsDocker(string input, string normalised, string familiar)
    {
        ImageReference reference = ImageReference.Parse(input);
        reference.ToString().Should().Be(normalised);
        reference.FamiliarName.Should().Be(familiar);
    }

    [Fact]
    public void Parse_Parts_Separated()
    {
        ImageReference reference = ImageReference.Parse("localhost:5000/team/app:2@sha256:" + Hex);
        reference.Domain.Should().Be("localhost:5000");
        reference.Path.Should().Be("team/app");
        reference.Tag.Should().Be("2");
        reference.Digest.Should().Be(Digest.Parse("sha256:" + Hex));
        reference.Repository.Should().Be("localhost:5000/team/app");
        ImageReference.Parse("busybox@sha256:" + Hex).Tag.Should().BeNull("a digest reference gets no default tag");
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("Busybox", "lowercase")]
    [InlineData("busybox:", "tag")]
    [InlineData("busybox:-x", "tag")]
    [InlineData("busybox@sha256:abc", "digest")]
    [InlineData("busybox@md5:" + Hex, "digest")]
    [InlineData("a//b", "empty")]
    [InlineData("a/-b", "component")]
    [InlineData("a_-b", "component")]
    [InlineData("localhost:abc/app", "port")]
    [InlineData("/busybox", "empty")]
    public void Parse_Invalid_RefusedWithReason(string input, string reason)
    {
        Action parse = () => ImageReference.Parse(input);
        parse.Should().Throw<FormatException>().WithMessage($"*{reason}*").WithMessage("invalid reference format*");
    }

    [Fact]
    public void Parse_TooLong_Refused()
    {
        Action parse = () => ImageReference.Parse("a/" + new string('b', 260));
        parse.Should().Throw<FormatException>().WithMessage("*255*");
    }

    [Fact]
    public void Digest_Parse_OnlySha256Hex()
    {
        Digest.Parse("sha256:" + Hex).Hex.Should().Be(Hex);
        Digest.TryParse("sha256:" + Hex.ToUpperInvariant(), out _).Should().BeFalse();
        Digest.TryParse("sha512:" + Hex, out _).Should().BeFalse();
        Digest.Of("hello"u8).ToString().Should().Be("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    }

    [Fact]
    public void ChainId_AsDockerComputesIt()
    {
        Digest a = Digest.Of("a"u8), b = Digest.Of("b"u8);
        LayerStore.ChainId(null, a).Should().Be(a);
        LayerStore.ChainId(a, b).Should().Be(Digest.Of(System.Text.Encoding.ASCII.GetBytes($"{a} {b}")));
    }
}
