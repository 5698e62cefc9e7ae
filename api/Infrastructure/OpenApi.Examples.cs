using System.Text.Json;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Observatoire.Api.Infrastructure;

// Examples: declared on the endpoints, written into the document by one filter.
public static partial class OpenApi
{
    /// <summary>Declares an example request body for the OpenAPI document.</summary>
    public static RouteHandlerBuilder WithRequestExample<T>(this RouteHandlerBuilder builder, T example) where T : notnull =>
        builder.WithMetadata(new RequestExample(example));

    /// <summary>Declares an example body of a response for the OpenAPI document: a success, or a problem more specific than the generic one.</summary>
    public static RouteHandlerBuilder WithResponseExample<T>(this RouteHandlerBuilder builder, int status, T example, string mediaType = "application/json") where T : notnull =>
        builder.WithMetadata(new ResponseExample(status, example, status >= 400 ? ProblemContentType : mediaType));

    public sealed record RequestExample(object Value);

    public sealed record ResponseExample(int Status, object Value, string MediaType);

    /// <summary>
    /// Request and success examples come from the endpoints' metadata (taken from the seed data); problem
    /// examples are written here, one per status.
    /// </summary>
    private sealed class ExamplesFilter : IOperationFilter
    {
        private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

        // Request examples leave out the optional fields they do not use.
        private static readonly JsonSerializerOptions RequestJson = new(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        };

        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<RequestExample>().FirstOrDefault() is { } request &&
                operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true && media is OpenApiMediaType json)
            {
                json.Example = JsonSerializer.SerializeToNode(request.Value, RequestJson);
            }
            foreach (var (status, response) in operation.Responses ?? [])
            {
                if (response.Content is null) continue;
                foreach (var (type, content) in response.Content)
                {
                    if (content is not OpenApiMediaType target) continue;
                    // An endpoint's own example comes first, problems included (a 400 naming its own parameter).
                    if (metadata.OfType<ResponseExample>().FirstOrDefault(e =>
                            e.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) == status && e.MediaType == type) is { } example)
                    {
                        target.Example = example.Value is string text ? System.Text.Json.Nodes.JsonValue.Create(text) : JsonSerializer.SerializeToNode(example.Value, Json);
                    }
                    else if (type == ProblemContentType)
                    {
                        target.Example = ProblemExample(int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), context.ApiDescription.RelativePath ?? "", operation,
                            metadata.OfType<RequiredScope>().FirstOrDefault()?.Scope ?? Scopes.Admin);
                    }
                }
            }
        }

        private static System.Text.Json.Nodes.JsonNode ProblemExample(int status, string path, OpenApiOperation operation, string scope)
        {
            var instance = "/" + path.Replace("{id}", "2018-ti0000", StringComparison.Ordinal).Split('?')[0];
            var (title, detail) = status switch
            {
                400 => ("One or more fields are invalid.", (string?)null),
                401 => ("Unauthorized", "This operation requires an API key in the X-Api-Key header."),
                403 => ("Forbidden", ApiKeyHandler.ScopeMissing(scope)),
                404 => ("Not Found", "No record has the id '2018-ti0000'."),
                405 => ("Method Not Allowed", "This path does not support this method."),
                409 => ("Conflict", "The request conflicts with the current state of the record."),
                410 => ("Gone", "The dump 1185 is no longer kept: read /v1/dumps/latest for the latest one."),
                416 => ("Range Not Satisfiable", (string?)null),
                412 => ("Precondition Failed", "The record '2018-ti0000' has changed since the ETag given in If-Match: read it again (its current ETag is in the ETag header), then retry."),
                413 => ("Content Too Large", "The request body is larger than 65536 bytes, the most this API reads."),
                415 => ("Unsupported Media Type", "The request body must be JSON (Content-Type: application/json)."),
                422 => ("Unprocessable Content", "This Idempotency-Key was already used with another request body. Use a new key for a new request."),
                503 when path.StartsWith("health", StringComparison.Ordinal) => ("Service Unavailable", "The database does not answer."),
                503 => ("Service Unavailable", Problems.DatabaseUnavailable),
                _ => ("Internal Server Error", "An unexpected error occurred. Quote the traceId when reporting it."),
            };
            var problem = new System.Text.Json.Nodes.JsonObject
            {
                ["type"] = $"https://tools.ietf.org/html/rfc9110#section-15.{(status >= 500 ? 6 : 5)}.1",
                ["title"] = title,
                ["status"] = status,
            };
            if (detail is not null) problem["detail"] = detail;
            problem["instance"] = instance;
            if (status == 400)
            {
                // Name a field this operation really has: a body field, else its first query parameter.
                var (field, message) = operation.RequestBody is not null
                    ? ("name", "'name' must not be empty.")
                    : (operation.Parameters?.FirstOrDefault(p => p.In == ParameterLocation.Query)?.Name ?? "$") switch
                    {
                        "limit" => ("limit", "limit must be between 1 and 200."),
                        "$" => ("$", "The request could not be read."),
                        var name => (name, $"'abc' is not a valid value for {name}."),
                    };
                problem["errors"] = new System.Text.Json.Nodes.JsonObject { [field] = new System.Text.Json.Nodes.JsonArray(message) };
            }
            problem["traceId"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
            if (status == 413) problem["maxBodyBytes"] = 65536;
            return problem;
        }
    }
}
