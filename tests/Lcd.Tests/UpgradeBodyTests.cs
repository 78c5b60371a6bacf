using Lcd.Api;

namespace Lcd.Tests;

/// <summary>The connection filter's decisions on request heads and bodies (no daemon).</summary>
public sealed class UpgradeBodyTests
{
    [Theory]
    [InlineData("POST /exec/abc/start HTTP/1.1\r\nHost: x\r\n\r\n", true)]
    [InlineData("POST /v1.41/exec/abc/start HTTP/1.1\n\n", true)]
    [InlineData("POST /v1.41/containers/web/attach?stream=1&stdin=1 HTTP/1.1\r\n\r\n", true)]
    [InlineData("POST /containers/web/attach HTTP/1.1\r\n\r\n", true)]
    [InlineData("GET /v1.41/exec/abc/json HTTP/1.1\r\n\r\n", false)]
    [InlineData("POST /v1.41/containers/web/start HTTP/1.1\r\n\r\n", false)]
    [InlineData("POST /v1.41/containers/web/exec HTTP/1.1\r\n\r\n", false)]
    [InlineData("POST /v1.41/exec/abc/start/more HTTP/1.1\r\n\r\n", false)]
    [InlineData("GET /v1.41/containers/web/attach HTTP/1.1\r\n\r\n", false)]
    public void IsHijack_RequestLine_AsDockerdRoutes(string head, bool expected) => UpgradeBody.IsHijack(head).Should().Be(expected);

    [Theory]
    [InlineData("{\"Detach\":true,\"Tty\":false}", true)]
    [InlineData("{\"detach\":true}", true)]
    [InlineData("{\"Detach\":false,\"Tty\":false}", false)]
    [InlineData("{}", false)]
    [InlineData("not json", false)]
    [InlineData("[true]", false)]
    public void IsDetached_ExecStartBody(string body, bool expected) => UpgradeBody.IsDetached(System.Text.Encoding.UTF8.GetBytes(body)).Should().Be(expected);

    [Fact]
    public void Rewrite_PlainHijack_AsksForTheUpgradeAndMovesTheBody()
    {
        string head = "POST /v1.41/exec/abc/start HTTP/1.1\nHost: docker\nConnection: keep-alive\nContent-Type: application/json\nContent-Length: 13\n\n";

        string rewritten = UpgradeBody.Rewrite(head, "{\"Tty\":false}"u8.ToArray(), plain: true);

        rewritten.Should().Be("POST /v1.41/exec/abc/start HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
            + $"{UpgradeBody.Header}: eyJUdHkiOmZhbHNlfQ==\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n{UpgradeBody.PlainHeader}: 1\r\n\r\n");
        UpgradeBody.Inspect(rewritten).Should().Be((0L, false, true), "Kestrel now sees an upgradable request without a body");
    }
}
