using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Observatoire.Contracts;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// The query parameters every list shares, bound with [AsParameters] and checked once by Lists.ReadAsync.
/// A collection adds its own filters as its FilterParameters record (bound before this one) and describes these in its
/// <see cref="Docs"/>, since "CSV holds every matching actor" says more than a text shared by all.
/// </summary>
public sealed record ListParameters
{
    /// <summary>Page size, 1 to 200 (default 50).</summary>
    [FromQuery(Name = "limit")] public int? Limit { get; init; }

    /// <summary>Opaque cursor from links.next of the previous page; follow that link as it is.</summary>
    [FromQuery(Name = "cursor")] public string? Cursor { get; init; }

    /// <summary>Only the rows changed after this instant: an RFC 3339 date-time with its offset, e.g. 2026-11-26T09:00:00Z.</summary>
    [FromQuery(Name = "updatedSince")] public Rfc3339DateTime? UpdatedSince { get; init; }

    /// <summary>Search, in French: case, accents and hyphens do not matter, "St" reads as Saint; words are prefixes, all required.</summary>
    [FromQuery(Name = "q"), MaxLength(Lengths.Search)] public string? Q { get; init; }

    /// <summary>Sort keys, comma-separated, - for descending. The id always breaks ties.</summary>
    [FromQuery(Name = "sort")] public string? Sort { get; init; }

    /// <summary>json (default) or csv; overrides the Accept header (application/json, text/csv).</summary>
    [FromQuery(Name = "format")] public string? Format { get; init; }

    /// <summary>CSV delimiter: ; (default, with decimal commas, for French spreadsheets), comma, tab or pipe.</summary>
    [FromQuery(Name = "delimiter")] public string? Delimiter { get; init; }

    private const string DefaultCursor = "Opaque cursor from links.next of the previous page; follow that link as it is.";
    private const string DefaultDelimiter = "CSV delimiter: ; (default, with decimal commas, for French spreadsheets), comma, tab or pipe.";

    /// <summary>How one list describes the shared parameters in the OpenAPI document (endpoint metadata).</summary>
    public sealed record Docs(string UpdatedSince, string Q, string Sort, string Format, string Delimiter = DefaultDelimiter, string Cursor = DefaultCursor)
    {
        /// <summary>
        /// The list's own descriptions of some of its filters, where one route says more than the filter record that
        /// the collection's other routes share.
        /// </summary>
        public IReadOnlyDictionary<string, string> Filters { get; init; } = new Dictionary<string, string>();

        public string? For(string name) => Filters.GetValueOrDefault(name) ?? name switch
        {
            "limit" => "Page size, 1 to 200 (default 50).",
            "cursor" => Cursor,
            "updatedSince" => UpdatedSince,
            "q" => Q,
            "sort" => Sort,
            "format" => Format,
            "delimiter" => Delimiter,
            _ => null,
        };
    }

    /// <summary>
    /// Writes a list's own descriptions of the shared parameters, and puts limit and cursor first after the path, as
    /// the pages read them: the record binds them after the collection's filters.
    /// </summary>
    public sealed class OperationFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var docs = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<Docs>().FirstOrDefault();
            if (docs is null || operation.Parameters is not { } parameters) return;
            foreach (var parameter in parameters.OfType<OpenApiParameter>())
            {
                if (docs.For(parameter.Name!) is { } description) parameter.Description = description;
            }
            var paging = parameters.Where(p => p.In == ParameterLocation.Query && p.Name is "limit" or "cursor").ToList();
            foreach (var parameter in paging) parameters.Remove(parameter);
            var first = parameters.TakeWhile(p => p.In == ParameterLocation.Path).Count();
            for (var i = 0; i < paging.Count; i++) parameters.Insert(first + i, paging[i]);
        }
    }
}

public static class ListParametersExtensions
{
    /// <summary>Describes the shared list parameters of this endpoint (see <see cref="ListParameters.Docs"/>).</summary>
    public static RouteHandlerBuilder WithListDocs(this RouteHandlerBuilder builder, ListParameters.Docs docs) => builder.WithMetadata(docs);
}
