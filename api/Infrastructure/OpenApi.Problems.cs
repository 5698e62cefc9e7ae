using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Observatoire.Api.Infrastructure;

// Problem details: their schema, and the problem responses every operation declares.
public static partial class OpenApi
{
    /// <summary>Problems carry the request's trace id; the schema says so, and what each member means.</summary>
    private sealed class ProblemSchemaFilter : ISchemaFilter
    {
        public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
        {
            if (!typeof(ProblemDetails).IsAssignableFrom(context.Type) || schema is not OpenApiSchema { Properties: { } properties } target) return;
            target.Description = "An RFC 9457 problem. Extension members may follow (e.g. existingId on a 409).";
            Describe(properties, "type", "A URI reference that identifies the problem type.");
            Describe(properties, "title", "A short summary of the problem type.");
            Describe(properties, "status", "The HTTP status code.");
            Describe(properties, "detail", "What went wrong with this request.");
            Describe(properties, "instance", "The path of the request.");
            Describe(properties, "errors", "Invalid fields or parameters (JSON paths such as point.latitude or communes[0].inseeCode), each with its messages.");
            properties["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's trace id (W3C traceparent form): quote it when reporting a problem." };
            // Every problem this API writes has a title, a status and a trace id; a validation problem its errors.
            target.Required ??= new HashSet<string>();
            foreach (var name in properties.Keys.Where(k => k is "title" or "status" or "traceId" or "errors")) target.Required.Add(name);
        }

        private static void Describe(IDictionary<string, IOpenApiSchema> properties, string name, string description)
        {
            if (properties.TryGetValue(name, out var property) && property is OpenApiSchema target) target.Description = description;
        }
    }

    /// <summary>
    /// Problem bodies are served as application/problem+json; writes declare their API key and the 413 of too large
    /// a body; operations with a body declare the 400 (unreadable JSON) and 415 (not JSON) that binding produces.
    /// </summary>
    private sealed class ProblemResponsesFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            operation.Responses ??= [];
            var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
            if (operation.RequestBody is not null)
            {
                AddProblem(operation, context, "400", "The body is not valid JSON for this operation, or a field is invalid.", validation: true);
                AddProblem(operation, context, "415", "The body is not JSON.");
            }
            if (metadata.OfType<Querying.QueryParametersChecked>().Any())
            {
                AddProblem(operation, context, "400", "A query parameter is unknown to this operation, or its value is invalid; errors name each one.", validation: true);
            }
            if (metadata.OfType<ApiKeyRequiredAttribute>().Any())
            {
                var scope = metadata.OfType<RequiredScope>().FirstOrDefault();
                // Only requests that may carry a body are measured (the admin reads under /v1/keys are not).
                if (!HttpMethods.IsGet(context.ApiDescription.HttpMethod ?? "GET"))
                {
                    AddProblem(operation, context, "413", "The request body is larger than this API reads (64 KiB unless configured otherwise); it was not read.");
                }
                AddProblem(operation, context, "401", "No API key, or an invalid one, in the X-Api-Key header.");
                if (scope?.Scope != Scopes.AnyKey) AddProblem(operation, context, "403", scope is null || scope.Scope == Scopes.Admin
                    ? $"The API key is valid but does not have the {Scopes.Admin} scope."
                    : $"The API key is valid but has neither the {scope.Scope} scope nor the {Scopes.Admin} one.");
            }
            if (metadata.OfType<RequiredScope>().Any(s => s.Collection is not null))
            {
                AddProblem(operation, context, "409", "The request conflicts with the current state: the record is referred to, its key is taken, or a concurrent change intervened.");
            }
            AddProblem(operation, context, "405", "The path exists but does not support this method.");
            AddProblem(operation, context, "500", "An unexpected error; the problem carries a traceId to quote.");
            // The 503 of every operation (the database unavailable, a time budget spent, exports at capacity) is
            // written with its Retry-After header by RateLimits.OpenApi.

            foreach (var (status, response) in operation.Responses)
            {
                if (response is not OpenApiResponse concrete) continue;
                if (concrete.Content?.Values.FirstOrDefault()?.Schema is { } schema && IsProblem(schema))
                {
                    concrete.Content = new Dictionary<string, IOpenApiMediaType> { [ProblemContentType] = new OpenApiMediaType { Schema = schema } };
                }
                if (string.IsNullOrEmpty(concrete.Description) || concrete.Description is "OK" or "Created" or "No Content" or "Not Found" or "Bad Request" or "Conflict" or "Unauthorized" or "Not Modified" or "Forbidden")
                {
                    concrete.Description = DescribeStatus(status);
                }
            }
        }

        private static bool IsProblem(IOpenApiSchema schema) =>
            schema is OpenApiSchemaReference reference && reference.Reference.Id is nameof(ProblemDetails) or nameof(HttpValidationProblemDetails);

        private static void AddProblem(OpenApiOperation operation, OperationFilterContext context, string status, string description, bool validation = false)
        {
            if (operation.Responses!.ContainsKey(status)) return;
            var type = validation ? typeof(HttpValidationProblemDetails) : typeof(ProblemDetails);
            var schema = context.SchemaGenerator.GenerateSchema(type, context.SchemaRepository);
            operation.Responses[status] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, IOpenApiMediaType> { [ProblemContentType] = new OpenApiMediaType { Schema = schema } },
            };
        }

        private static string DescribeStatus(string status) => status switch
        {
            "200" => "Success.",
            "201" => "Created. The Location header names the new resource.",
            "204" => "Done; no content.",
            "206" => "Part of the file: the byte range asked for with Range (Content-Range says which).",
            "304" => "Not modified: the representation still has the ETag given in If-None-Match.",
            "400" => "A parameter or a field is invalid; errors name each one.",
            "401" => "No API key, or an invalid one, in the X-Api-Key header.",
            "403" => "The API key does not have the scope this operation needs.",
            "404" => "No resource has this id.",
            "409" => "The request conflicts with the current state of the resource.",
            "410" => "No longer kept.",
            "416" => "The Range asked for lies outside the file (Content-Range gives its size).",
            "503" => "A dependency (the database) does not answer.",
            _ => "See the problem details.",
        };
    }
}
