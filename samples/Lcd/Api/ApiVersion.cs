using System.Globalization;
using System.Text.RegularExpressions;

namespace Lcd.Api;

/// <summary>
/// The Engine API's version: clients send /v1.xx/ before every path (or nothing, meaning the
/// daemon's own), and negotiate through /_ping's API-Version header. lcd speaks 1.41 (Docker 20.10)
/// and says so. Unlike dockerd 20.10 it also serves requests pinned to 1.42-1.44 without negotiating
/// (Testcontainers for .NET 4 pins 1.44 through Docker.DotNet.Enhanced, and so fails against dockerd
/// 20.10): what those versions added is optional fields, and lcd answers with 1.41's shapes. Above
/// 1.44, or below 1.12, a version is refused as dockerd refuses it.
/// </summary>
internal static partial class ApiVersion
{
    public const string Current = "1.41";
    public const string Minimum = "1.12";
    public const string MaximumServed = "1.44";

    private const string ItemKey = "lcd.api-version";

    [GeneratedRegex(@"^/v(?<version>[0-9]+\.[0-9]+)(?=/)")]
    private static partial Regex Prefix();

    /// <summary>The version the request asked for (the daemon's own when it sent none).</summary>
    public static Version Of(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out object? v) && v is Version version ? version : Version.Parse(Current);

    /// <summary>Strips the /v1.xx prefix, so endpoints are mapped once, and checks the version.</summary>
    public static Task Middleware(HttpContext context, RequestDelegate next)
    {
        string path = context.Request.Path.Value ?? "";
        Match match = Prefix().Match(path);
        if (match.Success)
        {
            string asked = match.Groups["version"].Value;
            if (!Version.TryParse(asked, out Version? version))
            {
                throw ApiException.BadRequest($"invalid API version '{asked}'");
            }
            if (version > Version.Parse(MaximumServed))
            {
                throw ApiException.BadRequest($"client version {asked} is too new. Maximum supported API version is {MaximumServed}");
            }
            if (version < Version.Parse(Minimum))
            {
                throw ApiException.BadRequest($"client version {asked} is too old. Minimum supported API version is {Minimum}, please upgrade your client to a newer version");
            }
            context.Items[ItemKey] = version;
            context.Request.PathBase = context.Request.PathBase.Add(path[..match.Length]);
            context.Request.Path = path[match.Length..];
        }
        context.Response.Headers["Api-Version"] = Current;
        context.Response.Headers["Server"] = string.Create(CultureInfo.InvariantCulture, $"lcd/{DaemonInfo.Version} (linux)");
        return next(context);
    }
}
