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
        // The document's tags and collection enums come from the registered collections.
        services.AddObservatoireCollections();
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = "Observatoire API",
                Version = "1.1.0",
                Description = """
                    The knowledge base of the observatoire des Territoires d'industrie: territories of both phases of the
                    programme (2018-2022 and 2023-2027), with their groupings, communes and links across phases; the
                    resources they mobilise (ressources territoriales), the actors (organisations, and people in their
                    public role), the projects that combine them (projets de territoire), the key figures on each
                    territory and the observatory's sessions (séances). Every record cites its sources. Facts about a
                    studied territory belong to its 2018-2022 record.

                    Reads are public. Writes need an API key in the X-Api-Key header. Collections are paged with an
                    opaque cursor (links.next and the Link header). Deleting a record that others refer to answers 409
                    with the referring records in referencedBy. Every error is an RFC 9457 problem
                    (application/problem+json) with a traceId; invalid fields and parameters are named in errors.

                    Licences: the data served are under Licence Ouverte 2.0 (Etalab,
                    https://www.etalab.gouv.fr/licence-ouverte-open-licence/), the licence of the programme's lists and
                    of the public sources they come from; each record cites its sources (/v1/sources), and
                    attribution goes to them. The licence given below is the data's. The API's code and this document
                    carry no separate licence.
                    """,
                Contact = new OpenApiContact
                {
                    Name = "La Fabrique de l'industrie, observatoire des Territoires d'industrie",
                    Url = new Uri("https://www.la-fabrique.fr/"),
                },
                License = new OpenApiLicense
                {
                    Name = "Licence Ouverte 2.0 (Etalab), for the data",
                    // SPDX id; OpenAPI 3.1 allows an identifier or a url, not both: the url is in the description.
                    Identifier = "etalab-2.0",
                },
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
            options.UseAllOfToExtendReferenceSchemas();
            // First: the parameters in their final order and words before the examples read them.
            options.OperationFilter<ListParameters.OperationFilter>();
            // A string in the document, bound from an [AsParameters] record as well as from a handler parameter.
            options.MapType<Rfc3339DateTime>(() => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" });
            options.OperationFilter<RepresentationsFilter>();
            options.OperationFilter<CommonParametersFilter>();
            options.OperationFilter<Deprecation.OperationFilter>();
            options.OperationFilter<ProblemResponsesFilter>();
            options.OperationFilter<SecurityFilter>();
            options.OperationFilter<ExamplesFilter>();
            options.OperationFilter<SparseFields.OperationFilter>();
            options.ParameterFilter<DateTimeParameterFilter>();
            options.DocumentFilter<DocumentFilter>();
            options.SchemaFilter<NullableReferenceFilter>();
            options.SchemaFilter<ContractSchemas.RequiredMembersFilter>();
            options.SchemaFilter<ContractSchemas.ValuesSchemaFilter>();
            options.ParameterFilter<ContractSchemas.ValuesParameterFilter>();
            options.SchemaFilter<ValidationSchemaFilter>();
            options.SchemaFilter<ProblemSchemaFilter>();
            options.CustomSchemaIds(type => SchemaId(type));
        });
        return services;
    }

    public static WebApplication UseObservatoireOpenApi(this WebApplication app)
    {
        // The OpenAPI 3.0 rendering of the same document, for older tools. Mapped first: the 3.1 route would
        // otherwise read "v1.openapi-3.0" as a document name.
        app.UseSwagger(options =>
        {
            options.RouteTemplate = "openapi/{documentName}.openapi-3.0.{extension:regex(^(json|yaml)$)}";
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_0;
            options.PreSerializeFilters.Add(ServeAtPathBase);
        });
        app.UseSwagger(options =>
        {
            options.RouteTemplate = "openapi/{documentName}.{extension:regex(^(json|yaml)$)}";
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.PreSerializeFilters.Add(ServeAtPathBase);
        });
        app.UseSwaggerUI(options =>
        {
            options.RoutePrefix = "swagger";
            // Relative to /swagger/index.html, so that behind a proxy's path prefix the page loads /prefix/openapi/v1.json.
            options.SwaggerEndpoint($"../openapi/{DocumentName}.json", "Observatoire API v1");
            options.DocumentTitle = "Observatoire API";
        });
        return app;
    }

    private const string ServerDescription = "This API at the address the document was loaded from.";

    /// <summary>
    /// The document's server is relative, so that Swagger UI and other tools call the address they loaded it from
    /// (any host or port); behind a reverse proxy's path prefix (X-Forwarded-Prefix, see ForwardedHeadersSetup) it
    /// is that prefix. At the root the served document is the committed one.
    /// </summary>
    private static void ServeAtPathBase(OpenApiDocument document, HttpRequest request) =>
        document.Servers = [new OpenApiServer { Url = request.PathBase.HasValue ? request.PathBase.ToUriComponent() : "/", Description = ServerDescription }];

    /// <summary>Declares an example request body for the OpenAPI document.</summary>
    public static RouteHandlerBuilder WithRequestExample<T>(this RouteHandlerBuilder builder, T example) where T : notnull =>
        builder.WithMetadata(new RequestExample(example));

    /// <summary>Declares an example body of a response for the OpenAPI document: a success, or a problem more specific than the generic one.</summary>
    public static RouteHandlerBuilder WithResponseExample<T>(this RouteHandlerBuilder builder, int status, T example, string mediaType = "application/json") where T : notnull =>
        builder.WithMetadata(new ResponseExample(status, example, status >= 400 ? ProblemContentType : mediaType));

    public sealed record RequestExample(object Value);

    public sealed record ResponseExample(int Status, object Value, string MediaType);

    /// <summary>The tags of the features that are not collections, after the collections' own (see CollectionRegistry).</summary>
    public static readonly IReadOnlyList<(string Name, string Description)> FeatureTags =
    [
        ("Search", "French full-text search across every collection, best hits first, with highlighted snippets."),
        ("Changes", "Incremental sync: one feed of the creations, updates and deletions of every collection, in commit order, to resume from a token."),
        ("Health", "Liveness and readiness probes."),
    ];

    // Page<TerritorySummary> -> TerritorySummaryPage.
    private static string SchemaId(Type type) => type.IsGenericType
        ? string.Concat(type.GetGenericArguments().Select(SchemaId)) + type.Name[..type.Name.IndexOf('`')]
        : type.Name;

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
    /// One status may come in several representations (JSON, CSV, GeoJSON, iCalendar), each with its own
    /// schema; the API explorer keeps one type per status, so the content is rebuilt from the metadata.
    /// </summary>
    private sealed class RepresentationsFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var produced = context.ApiDescription.ActionDescriptor.EndpointMetadata
                .OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>()
                .Where(m => m.Type is not null && m.Type != typeof(void) && m.ContentTypes.Any())
                .GroupBy(m => m.StatusCode)
                .Where(g => g.SelectMany(m => m.ContentTypes).Distinct().Count() > 1);
            foreach (var status in produced)
            {
                if (operation.Responses?.TryGetValue(status.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response) != true ||
                    response is not OpenApiResponse target) continue;
                var content = new Dictionary<string, IOpenApiMediaType>();
                foreach (var metadata in status)
                {
                    foreach (var mediaType in metadata.ContentTypes)
                    {
                        content[mediaType] = new OpenApiMediaType
                        {
                            Schema = mediaType.StartsWith("text/", StringComparison.Ordinal)
                                ? new OpenApiSchema { Type = JsonSchemaType.String, Description = $"A {mediaType} document." }
                                : context.SchemaGenerator.GenerateSchema(metadata.Type!, context.SchemaRepository),
                        };
                    }
                }
                target.Content = content;
            }
            // format= names the representations of the 200 (json, csv, geojson, ics): an enum of those it offers.
            // Both it and delimiter= are documented here and checked by Exports, which also reads other spellings.
            if (operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content is { } offered &&
                operation.Parameters?.OfType<OpenApiParameter>().FirstOrDefault(p => p.Name == "format") is { Schema: OpenApiSchema format })
            {
                ContractSchemas.Enum(format, offered.Keys.Select(FormatName).OfType<string>());
            }
            if (operation.Parameters?.OfType<OpenApiParameter>().FirstOrDefault(p => p.Name == "delimiter") is { Schema: OpenApiSchema delimiter })
            {
                ContractSchemas.Enum(delimiter, Exports.DelimiterNames);
            }
        }

        private static string? FormatName(string mediaType) => mediaType switch
        {
            "application/json" => "json",
            Exports.CsvMediaType => "csv",
            Exports.GeoJsonMediaType => "geojson",
            Exports.CalendarMediaType => "ics",
            _ => null,
        };
    }

    /// <summary>The parameters every collection shares are described once, here, unless the handler says more.</summary>
    private sealed class CommonParametersFilter : IOperationFilter
    {
        private static readonly Dictionary<string, string> Descriptions = new()
        {
            ["limit"] = $"Page size, 1 to {Paging.MaxLimit} (default {Paging.DefaultLimit}).",
            ["cursor"] = "Opaque cursor from links.next of the previous page; follow that link as it is.",
            ["id"] = "Id of the record (a URL-safe slug, e.g. 2018-ti2707).",
        };

        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
            {
                if (string.IsNullOrEmpty(parameter.Description) && parameter.Name is not null && Descriptions.TryGetValue(parameter.Name, out var description))
                {
                    parameter.Description = description;
                }
            }
        }
    }

    /// <summary>Top-level tags with their descriptions (the servers are set when the document is served, see ServeAtPathBase).</summary>
    private sealed class DocumentFilter(CollectionRegistry collections) : IDocumentFilter
    {
        public void Apply(OpenApiDocument document, DocumentFilterContext context)
        {
            var tags = collections.All.Select(c => (Name: c.Tag, Description: c.TagDescription)).Concat(FeatureTags);
            var used = document.Paths.Values
                .SelectMany(p => p.Operations?.Values.AsEnumerable() ?? [])
                .SelectMany(o => o.Tags?.AsEnumerable() ?? [])
                .Select(t => t.Name).ToHashSet();
            document.Tags = new HashSet<OpenApiTag>(tags.Where(t => used.Contains(t.Name))
                .Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
        }
    }

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
                        target.Example = ProblemExample(int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), context.ApiDescription.RelativePath ?? "", operation);
                    }
                }
            }
        }

        private static System.Text.Json.Nodes.JsonNode ProblemExample(int status, string path, OpenApiOperation operation)
        {
            var instance = "/" + path.Replace("{id}", "2018-ti0000", StringComparison.Ordinal).Split('?')[0];
            var (title, detail) = status switch
            {
                400 => ("One or more fields are invalid.", (string?)null),
                401 => ("Unauthorized", "This operation requires an API key in the X-Api-Key header."),
                404 => ("Not Found", "No record has the id '2018-ti0000'."),
                405 => ("Method Not Allowed", "This path does not support this method."),
                409 => ("Conflict", "The request conflicts with the current state of the record."),
                415 => ("Unsupported Media Type", "The request body must be JSON (Content-Type: application/json)."),
                503 => ("Service Unavailable", "The database does not answer."),
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
            return problem;
        }
    }

    /// <summary>
    /// Query parameters bound with TryParse are described as plain strings; an RFC 3339 one says it is a date-time.
    /// </summary>
    private sealed class DateTimeParameterFilter : IParameterFilter
    {
        public void Apply(IOpenApiParameter parameter, ParameterFilterContext context)
        {
            var type = context.ParameterInfo?.ParameterType;
            if ((type is null ? null : Nullable.GetUnderlyingType(type) ?? type) != typeof(Rfc3339DateTime) || parameter is not OpenApiParameter target) return;
            target.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" };
        }
    }

    /// <summary>
    /// A nullable property of a component type comes out as "type: null" with "allOf: [$ref]", which no value
    /// satisfies; say what is meant: either the component or null.
    /// </summary>
    private sealed class NullableReferenceFilter : ISchemaFilter
    {
        public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
        {
            if (schema is not OpenApiSchema { Properties: { } properties }) return;
            foreach (var property in properties.Values.OfType<OpenApiSchema>())
            {
                if (property.Type == JsonSchemaType.Null && property.AllOf is [OpenApiSchemaReference reference])
                {
                    property.Type = null;
                    property.AllOf = null;
                    property.OneOf = [reference, new OpenApiSchema { Type = JsonSchemaType.Null }];
                }
            }
        }
    }

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
            if (metadata.OfType<Querying.QueryParametersChecked>().Any())
            {
                AddProblem(operation, context, "400", "A query parameter is unknown to this operation, or its value is invalid; errors name each one.", validation: true);
            }
            if (metadata.OfType<ApiKeyRequiredAttribute>().Any())
            {
                AddProblem(operation, context, "401", "No API key, or an invalid one, in the X-Api-Key header.");
                AddProblem(operation, context, "409", "The request conflicts with the current state: the record is referred to, its key is taken, or a concurrent change intervened.");
            }
            AddProblem(operation, context, "405", "The path exists but does not support this method.");
            AddProblem(operation, context, "500", "An unexpected error; the problem carries a traceId to quote.");

            foreach (var (status, response) in operation.Responses)
            {
                if (response is not OpenApiResponse concrete) continue;
                if (concrete.Content?.Values.FirstOrDefault()?.Schema is { } schema && IsProblem(schema))
                {
                    concrete.Content = new Dictionary<string, IOpenApiMediaType> { [ProblemContentType] = new OpenApiMediaType { Schema = schema } };
                }
                if (string.IsNullOrEmpty(concrete.Description) || concrete.Description is "OK" or "Created" or "No Content" or "Not Found" or "Bad Request" or "Conflict" or "Unauthorized" or "Not Modified")
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
            "304" => "Not modified: the representation still has the ETag given in If-None-Match.",
            "400" => "A parameter or a field is invalid; errors name each one.",
            "401" => "No API key, or an invalid one, in the X-Api-Key header.",
            "404" => "No resource has this id.",
            "409" => "The request conflicts with the current state of the resource.",
            "503" => "A dependency (the database) does not answer.",
            _ => "See the problem details.",
        };
    }

    /// <summary>
    /// Every operation states its security: writes the API key, reads explicitly none, so that no tool
    /// guesses from a missing member.
    /// </summary>
    private sealed class SecurityFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context) =>
            operation.Security = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<ApiKeyRequiredAttribute>().Any()
                ? [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeys.SchemeName, context.Document)] = [] }]
                : [];
    }
}
