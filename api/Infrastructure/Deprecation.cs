using System.Globalization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Deprecating an operation (README, versioning policy): the document marks it deprecated, and each response
/// carries Deprecation (RFC 9745), Sunset (RFC 8594) and a Link to its successor.
/// </summary>
public static class Deprecation
{
    public sealed record Notice(DateTimeOffset Since, DateTimeOffset Sunset, string Successor);

    public static RouteHandlerBuilder Deprecated(this RouteHandlerBuilder builder, DateTimeOffset since, DateTimeOffset sunset, string successor) => builder
        .WithMetadata(new Notice(since, sunset, successor))
        .AddEndpointFilter(async (context, next) =>
        {
            var headers = context.HttpContext.Response.Headers;
            headers["Deprecation"] = "@" + since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            headers["Sunset"] = sunset.ToUniversalTime().ToString("R", CultureInfo.InvariantCulture);
            headers.Append("Link", $"<{successor}>; rel=\"successor-version\"");
            return await next(context);
        });

    /// <summary>Marks deprecated operations in the OpenAPI document, with their dates and successor.</summary>
    public sealed class OperationFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            if (context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<Notice>().FirstOrDefault() is not { } notice) return;
            operation.Deprecated = true;
            operation.Description = $"{operation.Description} Deprecated since {notice.Since:yyyy-MM-dd}; may be removed after {notice.Sunset:yyyy-MM-dd}. Use {notice.Successor} instead.".Trim();
        }
    }
}
