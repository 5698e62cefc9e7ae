using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Observatoire.Api.Infrastructure;

// Operations: their representations, the wording of the shared parameters, and their security.
public static partial class OpenApi
{
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
