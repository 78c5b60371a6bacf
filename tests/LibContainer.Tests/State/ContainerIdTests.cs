using FluentAssertions;
using LibContainer.State;
using Xunit;

namespace LibContainer.Tests.State;

public sealed class ContainerIdTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("web-1")]
    [InlineData("a.b_c+d")]
    [InlineData("A9")]
    [InlineData("...")]
    [InlineData(".hidden")]
    [InlineData("3f2b9c1e4d5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c")]
    public void Validate_ValidId_DoesNotThrow(string id)
    {
        Action validate = () => ContainerId.Validate(id);

        validate.Should().NotThrow();
    }

    [Fact]
    public void Validate_MaxLength_DoesNotThrow()
    {
        Action validate = () => ContainerId.Validate(new string('a', 1024));

        validate.Should().NotThrow();
        ContainerId.MaxLength.Should().Be(1024);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("/")]
    [InlineData("../etc")]
    [InlineData("a b")]
    [InlineData(" a")]
    [InlineData("a\tb")]
    [InlineData("é")]
    [InlineData("ａ")]
    [InlineData("a:b")]
    [InlineData("a*")]
    [InlineData("a\\b")]
    public void Validate_InvalidId_ThrowsNamingIt(string id)
    {
        Action validate = () => ContainerId.Validate(id);

        validate.Should().Throw<ArgumentException>()
            .Where(e => e.Message.StartsWith($"Invalid container id '{id}'", StringComparison.Ordinal))
            .Which.ParamName.Should().Be("id");
    }

    [Fact]
    public void Validate_TooLong_ThrowsNamingTheLimit()
    {
        string id = new('a', 1025);

        Action validate = () => ContainerId.Validate(id);

        validate.Should().Throw<ArgumentException>().WithMessage($"Invalid container id '{id}': use 1 to 1024 of the characters *");
    }

    [Fact]
    public void Validate_Null_ThrowsArgumentNull()
    {
        Action validate = () => ContainerId.Validate(null!);

        validate.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Validate_TrailingNewline_Throws()
    {
        Action validate = () => ContainerId.Validate("web\n");

        validate.Should().Throw<ArgumentException>();
    }
}
