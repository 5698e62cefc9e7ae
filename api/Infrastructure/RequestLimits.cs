using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Observatoire.Api.Infrastructure;

/// <summary>The sizes a request may have (section <c>Limits</c> of the configuration).</summary>
public sealed class RequestLimitOptions
{
    /// <summary>The largest request body, in bytes (64 KiB: about 1500 communes in one territory write).</summary>
    public long MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>All request headers together, in bytes; Kestrel answers 431 beyond.</summary>
    public int MaxHeadersBytes { get; set; } = 16 * 1024;

    /// <summary>The request line (method, path and query), in bytes; Kestrel answers 414 beyond.</summary>
    public int MaxRequestLineBytes { get; set; } = 8 * 1024;
}

/// <summary>
/// Bounds what a request may make the server read. A write whose body is announced larger than the limit is refused
/// with a 413 problem before anything reads it (authentication included); a chunked body is cut off by the server when it
/// passes the limit (413 problem). Headers and URL sizes are bounded by Kestrel, which answers those itself.
/// </summary>
public static class RequestLimits
{
    public static IServiceCollection AddObservatoireRequestLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<RequestLimitOptions>(configuration.GetSection("Limits"));
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<RequestLimitOptions>>((kestrel, limits) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = limits.Value.MaxBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = limits.Value.MaxHeadersBytes;
            kestrel.Limits.MaxRequestLineSize = limits.Value.MaxRequestLineBytes;
        });
        return services;
    }

    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app)
    {
        var max = app.ApplicationServices.GetRequiredService<IOptions<RequestLimitOptions>>().Value.MaxBodyBytes;
        return app.Use((context, next) =>
        {
            // Reads take no body: whatever one sends is never read, and the server discards at most the limit of it.
            var method = context.Request.Method;
            var reads = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);
            if (!reads && context.Request.ContentLength > max) return TypedResults.Problem(TooLarge(context)).ExecuteAsync(context);
            // Chunked bodies have no length up front: the server counts while the body is read.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = max;
            return next(context);
        });
    }

    /// <summary>The 413 problem, announced or found while reading a chunked body (see BindingProblems).</summary>
    public static ProblemDetails TooLarge(HttpContext context)
    {
        var max = context.RequestServices.GetRequiredService<IOptions<RequestLimitOptions>>().Value.MaxBodyBytes;
        return Problems.Create(context, StatusCodes.Status413PayloadTooLarge, "Content Too Large",
            $"The request body is larger than {max} bytes, the most this API reads.", new Dictionary<string, object?> { ["maxBodyBytes"] = max });
    }
}
