using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Observatoire.Api.Infrastructure;

// The document's registration and serving; its filters are in the OpenApi.*.cs files beside this one.
public static partial class OpenApi
{
    public const string DocumentName = "v1";
    public const string ProblemContentType = "application/problem+json";

    /// <summary>The contract's version (info.version), also served by GET /v1/status.</summary>
    public const string ContractVersion = "1.1.0";

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
                Version = ContractVersion,
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
                Description = "API key for write operations, with the scope each one needs: write:<collection> or admin.",
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
            options.OperationFilter<WriteSafety.OperationFilter>();
            options.OperationFilter<SecurityFilter>();
            options.OperationFilter<ExamplesFilter>();
            options.OperationFilter<SparseFields.OperationFilter>();
            options.OperationFilter<ReadReplicas.OperationFilter>();
            options.ParameterFilter<DateTimeParameterFilter>();
            options.DocumentFilter<DocumentFilter>();
            options.DocumentFilter<Webhooks.WebhookDocument>();
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

    /// <summary>The tags of the features that are not collections, after the collections' own (see CollectionRegistry).</summary>
    public static readonly IReadOnlyList<(string Name, string Description)> FeatureTags =
    [
        ("Search", "French full-text search across every collection, best hits first, with highlighted snippets."),
        ("Changes", "Incremental sync: one feed of the creations, updates and deletions of every collection, in commit order, to resume from a token."),
        (Dumps.DumpsApi.Tag, Dumps.DumpsApi.TagDescription),
        ("Status", "What the API serves: the vintage of its territory data, its records per collection, the change feed's position and its versions."),
        (Keys.KeysApi.Tag, Keys.KeysApi.TagDescription),
        ("Health", "Liveness and readiness probes."),
        ("Audit", "Who changed what: every write with its API key, its time, and the record before and after. Admin keys only."),
        (Webhooks.WebhooksApi.Tag, Webhooks.WebhooksApi.TagDescription),
    ];

    // Page<TerritorySummary> -> TerritorySummaryPage.
    private static string SchemaId(Type type) => type.IsGenericType
        ? string.Concat(type.GetGenericArguments().Select(SchemaId)) + type.Name[..type.Name.IndexOf('`')]
        : type.Name;

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
}
