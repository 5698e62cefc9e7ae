using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Observatoire.Api.Infrastructure;

public static class OpenApi
{
    public const string DocumentName = "v1";
    public const string ProblemContentType = "application/problem+json";

    public static IServiceCollection AddObservatoireOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = "Observatoire API",
                Version = "1.0.0",
                Description = """
                    The knowledge base of the observatoire des Territoires d'industrie: territories of both phases of the
                    programme (2018-2022 and 2023-2027), with their groupings, communes and links across phases; the
                    resources they mobilise, the actors (organisations, and people in their public role), the projects
                    that combine them, the key figures on each territory and the observatory's sessions. Every record
                    cites its sources. Facts about a studied territory belong to its 2018-2022 record.
                    Reads are public. Writes need an API key in the X-Api-Key header. Deleting a record that others
                    refer to answers 409 with the referring records in referencedBy. Every error is an RFC 9457
                    problem (application/problem+json).
                    """,
            });
            foreach (var assembly in new[] { typeof(OpenApi).Assembly, typeof(Contracts.Page<>).Assembly })
            {
                var xml = Path.Combine(AppContext.BaseDirectory, $"{assembly.GetName().Name}.xml");
                if (File.Exists(xml)) options.IncludeXmlComments(xml, includeControllerXmlComments: false);
            }
            options.AddSecurityDefinition(ApiKeys.SchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeys.HeaderName,
                Description = "API key for write operations.",
            });
            options.SupportNonNullableReferenceTypes();
            options.NonNullableReferenceTypesAsRequired();
            options.OperationFilter<ProblemResponsesFilter>();
            options.CustomSchemaIds(type => SchemaId(type));
        });
        return services;
    }

    public static WebApplication UseObservatoireOpenApi(this WebApplication app)
    {
        app.UseSwagger(options =>
        {
            options.RouteTemplate = "openapi/{documentName}.{extension:regex(^(json|yaml)$)}";
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
        });
        app.UseSwaggerUI(options =>
        {
            options.RoutePrefix = "swagger";
            options.SwaggerEndpoint($"/openapi/{DocumentName}.json", "Observatoire API v1");
            options.DocumentTitle = "Observatoire API";
        });
        return app;
    }

    /// <summary>Declares an example request body for the OpenAPI document.</summary>
    public static RouteHandlerBuilder WithRequestExample<T>(this RouteHandlerBuilder builder, T example) where T : notnull =>
        builder.WithMetadata(new RequestExample(example));

    public sealed record RequestExample(object Value);

    // Page<TerritorySummary> -> TerritorySummaryPage.
    private static string SchemaId(Type type) => type.IsGenericType
        ? string.Concat(type.GetGenericArguments().Select(SchemaId)) + type.Name[..type.Name.IndexOf('`')]
        : type.Name;

    /// <summary>
    /// Problem bodies are served as application/problem+json; writes declare their API key; operations with a
    /// body declare the 400 (unreadable JSON) and 415 (not JSON) that binding produces.
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
            if (metadata.OfType<RequestExample>().FirstOrDefault() is { } example &&
                operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true && media is OpenApiMediaType json)
            {
                json.Example = JsonSerializer.SerializeToNode(example.Value, ExampleJson);
            }
            if (metadata.OfType<ApiKeyRequiredAttribute>().Any())
            {
                AddProblem(operation, context, "401", "No API key, or an invalid one, in the X-Api-Key header.");
                operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeys.SchemeName, context.Document)] = [] }];
            }

            foreach (var (status, response) in operation.Responses)
            {
                if (response is not OpenApiResponse concrete || concrete.Content is null) continue;
                if (concrete.Content.Values.FirstOrDefault()?.Schema is { } schema && IsProblem(schema))
                {
                    concrete.Content = new Dictionary<string, IOpenApiMediaType> { [ProblemContentType] = new OpenApiMediaType { Schema = schema } };
                }
                if (string.IsNullOrEmpty(concrete.Description) || concrete.Description is "OK" or "Created" or "Not Found" or "Bad Request" or "Conflict" or "Unauthorized")
                {
                    concrete.Description = DescribeStatus(status);
                }
            }
        }

        private static readonly JsonSerializerOptions ExampleJson = new(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        };

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
            "400" => "A parameter or a field is invalid; errors name each one.",
            "401" => "No API key, or an invalid one, in the X-Api-Key header.",
            "404" => "No resource has this id.",
            "409" => "The request conflicts with the current state of the resource.",
            "503" => "A dependency (the database) does not answer.",
            _ => "See the problem details.",
        };
    }
}
