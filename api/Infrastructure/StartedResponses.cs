namespace Observatoire.Api.Infrastructure;

/// <summary>
/// An answer that fails after its status and first bytes went out (an export streamed from the database) cannot
/// become an error any more: the connection is aborted, so that the chunked body ends without its last chunk and
/// the client sees a broken download instead of a complete-looking truncated one, and the failure is logged.
/// A failure before the first byte goes on to the exception handler and is answered with its status.
/// </summary>
public static class StartedResponses
{
    public static IApplicationBuilder UseAbortOnFailureMidway(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (context.Response.HasStarted)
        {
            if (!context.RequestAborted.IsCancellationRequested)
            {
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StartedResponses))
                    .LogError(e, "{Method} {Path} failed after its answer started ({Status}); the connection is aborted", context.Request.Method, context.Request.Path, context.Response.StatusCode);
            }
            context.Abort();
        }
    });
}
