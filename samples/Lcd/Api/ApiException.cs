namespace Lcd.Api;

/// <summary>
/// A request the daemon refuses: its status code and message reach the client as Docker's error
/// body, {"message": "..."} (404 unknown container or image, 409 conflict, 400 bad parameter).
/// </summary>
public sealed class ApiException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public static ApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

    public static ApiException NotFound(string message) => new(StatusCodes.Status404NotFound, message);

    public static ApiException Conflict(string message) => new(StatusCodes.Status409Conflict, message);
}
