namespace Lcd.Api;

/// <summary>
/// At shutdown, the streams end: a request whose response has begun (events, logs -f, attach, exec,
/// stats, wait) is cut when the daemon begins to stop, as dockerd closes them, instead of holding
/// Kestrel's graceful stop for its whole timeout. A request still working on its answer finishes.
/// </summary>
internal static class StreamShutdown
{
    public static async Task Middleware(HttpContext context, RequestDelegate next)
    {
        CancellationToken stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using CancellationTokenRegistration registration = stopping.Register(static state =>
        {
            var request = (HttpContext)state!;
            if (request.Response.HasStarted)
            {
                request.Abort();
            }
        }, context);
        await next(context);
    }
}
