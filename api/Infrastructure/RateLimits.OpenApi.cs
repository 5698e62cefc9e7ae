using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Observatoire.Api.Infrastructure;

// The 429 of the rate limits and the 503 of the time budget, on every operation of the document.
public static partial class RateLimits
{
    private sealed class OperationFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            operation.Responses ??= [];
            var schema = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository);
            var path = "/" + (context.ApiDescription.RelativePath ?? "").Split('?')[0];
            if (!operation.Responses.ContainsKey("429"))
            {
                operation.Responses["429"] = new OpenApiResponse
                {
                    Description = "This client (its API key, else its address) has used its budget for this kind of request (reads, searches, exports, " +
                                  "writes, failed authentications) in the current window; retry after Retry-After seconds.",
                    Headers = new Dictionary<string, IOpenApiHeader>
                    {
                        ["Retry-After"] = Header("Seconds until the client's window for this budget ends.", JsonSchemaType.Integer),
                        ["RateLimit-Policy"] = Header("The budget, as in draft-ietf-httpapi-ratelimit-headers: \"name\";q=quota;w=window in seconds.", JsonSchemaType.String),
                        ["RateLimit"] = Header("What is left of it: \"name\";r=remaining;t=seconds until the window ends.", JsonSchemaType.String),
                    },
                    Content = Problem(schema, 429, "Too Many Requests", "This client has used its 1200 reads per 60 s; retry in 17 s.", path,
                        "https://www.rfc-editor.org/rfc/rfc6585#section-4"),
                };
            }
            if (!operation.Responses.ContainsKey("503"))
            {
                operation.Responses["503"] = new OpenApiResponse
                {
                    Description = "The database is unavailable for a moment (restarting, overloaded), the request did not finish within its time budget, or the server is at capacity (e.g. exports); retry after Retry-After seconds.",
                    Headers = new Dictionary<string, IOpenApiHeader>
                    {
                        ["Retry-After"] = Header("Seconds to wait before retrying.", JsonSchemaType.Integer),
                    },
                    Content = Problem(schema, 503, "Service Unavailable", "The request did not finish within its time budget of 30 s.", path,
                        "https://tools.ietf.org/html/rfc9110#section-15.6.4"),
                };
            }
        }

        private static OpenApiHeader Header(string description, JsonSchemaType type) =>
            new() { Description = description, Schema = new OpenApiSchema { Type = type } };

        private static Dictionary<string, IOpenApiMediaType> Problem(IOpenApiSchema schema, int status, string title, string detail, string path, string type) => new()
        {
            [OpenApi.ProblemContentType] = new OpenApiMediaType
            {
                Schema = schema,
                Example = new JsonObject
                {
                    ["type"] = type,
                    ["title"] = title,
                    ["status"] = status,
                    ["detail"] = detail,
                    ["instance"] = path.Replace("{id}", "2018-ti0000", StringComparison.Ordinal),
                    ["traceId"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
                },
            },
        };
    }
}
