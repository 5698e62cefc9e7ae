using Microsoft.AspNetCore.Http.Features;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// HEAD answers wherever GET does, with the same status and headers and no body: the request is routed and run as
/// a GET whose body is discarded. Minimal APIs' MapGet matches GET only, so this is done once here rather than on
/// every route; it also covers Swagger UI and the OpenAPI document.
/// </summary>
public static class HeadRequests
{
    /// <summary>Also places routing here, so that a HEAD is matched as a GET.</summary>
    public static IApplicationBuilder UseHeadAsGet(this IApplicationBuilder app) => app
        .Use(async (context, next) =>
        {
            if (!HttpMethods.IsHead(context.Request.Method))
            {
                await next(context);
                return;
            }
            context.Request.Method = HttpMethods.Get;
            var body = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
            context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null, body));
            try
            {
                await next(context);
            }
            finally
            {
                context.Features.Set(body);
                context.Request.Method = HttpMethods.Head;
            }
        })
        .UseRouting();
}
