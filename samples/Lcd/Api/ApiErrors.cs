using System.Text.Json;

namespace Lcd.Api;

/// <summary>
/// Every failure leaves as Docker's error body, {"message": "..."}: an <see cref="ApiException"/>
/// with its status, a malformed body as 400, an unknown route as 404 "page not found" (dockerd's
/// words), anything else as 500 with its message, logged. A bad request never takes the daemon down.
/// </summary>
internal static partial class ApiErrors
{
    public static async Task Middleware(HttpContext context, RequestDelegate next)
    {
        ILogger requests = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Lcd.Api");
        LogCalling(requests, context.Request.Method, context.Request.Path.Value ?? "");
        try
        {
            await next(context);
            // No route, or a route without this method: dockerd answers both with 404.
            if (context.Response is { HasStarted: false, StatusCode: StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed })
            {
                await WriteAsync(context, StatusCodes.Status404NotFound, "page not found");
            }
        }
        catch (ApiException ex)
        {
            await WriteOrAbortAsync(context, ex.StatusCode, ex.Message);
        }
        catch (Exception ex) when (ex is JsonException or BadHttpRequestException)
        {
            int status = ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest;
            await WriteOrAbortAsync(context, status, ex.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nothing to answer.
        }
        catch (Exception ex)
        {
            ILogger logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Lcd.Api");
            LogUnhandled(logger, context.Request.Method, context.Request.Path, ex);
            await WriteOrAbortAsync(context, StatusCodes.Status500InternalServerError, ex.Message);
        }
    }

    private static async Task WriteOrAbortAsync(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted)
        {
            // A stream already began: the only honest signal left is to cut it.
            context.Abort();
            return;
        }
        await WriteAsync(context, status, message);
    }

    public static Task WriteAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsJsonAsync(new ErrorResponse(message), EngineJsonContext.Default.ErrorResponse, contentType: "application/json");
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Calling {Method} {Path}")]
    private static partial void LogCalling(ILogger logger, string method, string path);

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);
}
