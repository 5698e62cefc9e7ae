namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Headers that keep a browser from misreading an answer: on every answer, errors and the framework's own included
/// (set when the response starts, after anything that clears headers). The API's answers are data and may load
/// nothing; Swagger UI's pages load their own scripts, styles and images and call the API from the same origin.
/// The Server header is not sent at all (Kestrel's AddServerHeader, see RequestLimits).
/// </summary>
public static class SecurityHeaders
{
    public const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    // Swagger UI sets inline styles on its elements and shows inline SVG images as data: URLs; no inline script.
    public const string UiPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
                                   "connect-src 'self'; font-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = http.Request.Path.StartsWithSegments("/swagger") ? UiPolicy : ApiPolicy;
            headers.Remove("Server");
            return Task.CompletedTask;
        }, context);
        return next(context);
    });
}
