using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Features;

namespace Lcd.Api;

/// <summary>A request's JSON body, bounded: 413 above the limit (declared or read), 400 naming the JSON error.</summary>
internal static class JsonBody
{
    /// <summary>What a create, update, commit, network or volume request may send (Docker's own bodies are a few KiB).</summary>
    public const long MaxBytes = 1 << 20;

    /// <summary>The body as <typeparamref name="T"/>; null when it is JSON null.</summary>
    public static async Task<T?> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type)
    {
        if (context.Request.ContentLength > MaxBytes)
        {
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, $"request body of {context.Request.ContentLength} bytes exceeds the limit of {MaxBytes}");
        }
        context.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = MaxBytes;
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            throw ApiException.BadRequest($"invalid JSON in the request body: {ex.Message}");
        }
    }
}
