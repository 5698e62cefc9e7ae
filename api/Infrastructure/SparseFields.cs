using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Observatoire.Contracts;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// fields=id,name,point: list rows with only the members asked for (the id always comes), for maps and
/// large lists. Such a page is served as its own media type, application/vnd.observatoire.sparse+json, with its
/// own schema where every member but the id is optional; the application/json page stays exact (ADR 0006).
/// </summary>
public static class SparseFields
{
    public const string MediaType = "application/vnd.observatoire.sparse+json";

    public sealed record Metadata(Type ItemType, IReadOnlyList<string> Names);

    /// <summary>Offers fields= on a list of <typeparamref name="TItem"/> pages.</summary>
    public static RouteHandlerBuilder WithSparseFields<TItem>(this RouteHandlerBuilder builder)
    {
        var names = typeof(TItem).GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToList();
        return builder
            .WithMetadata(new Metadata(typeof(TItem), names))
            .AddEndpointFilter(async (context, next) =>
            {
                var http = context.HttpContext;
                if (!http.Request.Query.TryGetValue("fields", out var given)) return await next(context);
                var fields = given.ToString();
                var asked = fields.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                var unknown = asked.Where(f => !names.Contains(f)).ToList();
                if (asked.Count == 0 || unknown.Count > 0)
                {
                    return Problems.Validation(http, "fields", $"Unknown field(s) {string.Join(", ", unknown.DefaultIfEmpty("(none)"))}. Allowed: {string.Join(", ", names)}.");
                }
                asked.Add("id");

                var result = await next(context);
                var inner = result is INestedHttpResult nested ? nested.Result : result;
                if (inner is not Ok<Page<TItem>> { Value: { } page }) return result;
                var options = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
                var json = JsonSerializer.SerializeToNode(page, options)!.AsObject();
                foreach (var item in json["items"]!.AsArray().OfType<JsonObject>())
                {
                    foreach (var name in item.Select(p => p.Key).Where(k => !asked.Contains(k)).ToList()) item.Remove(name);
                }
                return TypedResults.Json(json, options, MediaType);
            });
    }

    /// <summary>
    /// Documents fields= (its allowed names) and the sparse page: a second media type of the 200, whose items
    /// hold only the members asked for. Runs after the examples are written, so that the sparse example is the
    /// JSON example cut down to the id and the name (or the member after the id).
    /// </summary>
    public sealed class OperationFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            if (context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<Metadata>().FirstOrDefault() is not { } metadata) return;
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "fields",
                In = ParameterLocation.Query,
                Description = $"Sparse rows: the members each item should hold, comma-separated (the id always comes). Allowed: {string.Join(", ", metadata.Names)}.",
                Style = ParameterStyle.Form,
                Explode = false,
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    Items = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. metadata.Names.Select(n => (JsonNode)n)] },
                },
            });

            var itemId = metadata.ItemType.Name;
            var sparseItemId = itemId + "Sparse";
            var repository = context.SchemaRepository;
            context.SchemaGenerator.GenerateSchema(metadata.ItemType, repository);
            if (!repository.Schemas.ContainsKey(sparseItemId) && repository.Schemas[itemId] is OpenApiSchema full)
            {
                repository.Schemas[sparseItemId] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = $"{full.Description} With fields=, only the members asked for (and the id).",
                    Required = new HashSet<string> { "id" },
                    Properties = full.Properties,
                    AdditionalPropertiesAllowed = false,
                };
                repository.Schemas[sparseItemId + "Page"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "One page of a collection, its items sparse (fields=).",
                    Required = new HashSet<string> { "items", "links" },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["items"] = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Array,
                            Description = "The items of this page, with the members asked for.",
                            Items = new OpenApiSchemaReference(sparseItemId, context.Document),
                        },
                        ["links"] = new OpenApiSchemaReference(nameof(PageLinks), context.Document),
                        ["total"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Description = "The number of items matching the query; only with Prefer: count=exact." },
                    },
                    AdditionalPropertiesAllowed = false,
                };
            }
            if (operation.Responses?.TryGetValue("200", out var response) == true && response.Content?.TryGetValue("application/json", out var media) == true &&
                media is OpenApiMediaType json)
            {
                var kept = new[] { "id", metadata.Names.FirstOrDefault(n => n is "name" or "title" or "label") ?? metadata.Names.First(n => n != "id") };
                var example = json.Example?.DeepClone();
                foreach (var item in example?["items"]?.AsArray().OfType<JsonObject>() ?? [])
                {
                    foreach (var name in item.Select(p => p.Key).Where(k => !kept.Contains(k)).ToList()) item.Remove(name);
                }
                response.Content[MediaType] = new OpenApiMediaType
                {
                    Schema = new OpenApiSchemaReference(sparseItemId + "Page", context.Document),
                    Example = example,
                };
                if (response is OpenApiResponse target)
                {
                    target.Description += $" With fields=, the page comes as {MediaType}: each item holds the id and the members asked for.";
                }
            }
        }
    }
}
