using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Observatoire.Api.Tests.Fuzz;

/// <summary>One operation of the served OpenAPI document, with its schemas resolved against the document.</summary>
public sealed class Operation(JsonObject document, string template, string method, JsonObject node)
{
    public string Template => template;
    public string Method => method;
    public string Id => (string)node["operationId"]!;
    public bool IsWrite => method is "POST" or "PUT" or "DELETE";

    /// <summary>Whether the operation needs an API key (writes, and the admin reads: keys, audit).</summary>
    public bool NeedsKey => node["security"] is JsonArray { Count: > 0 } security && security.Any(s => s is JsonObject { Count: > 0 });

    /// <summary>The collection the path names after /v1/ (territories for /v1/territories/{id}/communes).</summary>
    public string? Collection => Regex.Match(template, "^/v1/([a-z]+)").Groups[1] is { Success: true } g && (SeedData.Collections.Contains(g.Value) || g.Value is "keys" or "webhooks") ? g.Value : null;

    public bool Documents(int status) => node["responses"]?[status.ToString()] is not null;

    public IEnumerable<JsonObject> Parameters(string location) =>
        (node["parameters"]?.AsArray() ?? []).Select(p => Resolve(p!)).Where(p => (string?)p["in"] == location);

    public JsonObject? BodySchema => node["requestBody"]?["content"]?["application/json"]?["schema"] is { } schema ? Resolve(schema) : null;

    /// <summary>Follows $ref, a single allOf, a oneOf with null, and a type list with null, down to the one schema that matters.</summary>
    public JsonObject Resolve(JsonNode schema)
    {
        var current = schema.AsObject();
        while (true)
        {
            if (current["$ref"] is { } reference)
            {
                current = document["components"]!["schemas"]![((string)reference!).Split('/')[^1]]!.AsObject();
            }
            else if (current["allOf"] is JsonArray { Count: 1 } all) current = all[0]!.AsObject();
            else if (current["oneOf"] is JsonArray one && one.FirstOrDefault(s => (string?)s!["type"] != "null") is { } notNull) current = notNull.AsObject();
            else return current;
        }
    }

    public static string TypeOf(JsonObject schema) => schema["type"] switch
    {
        JsonArray types => types.Select(t => (string)t!).FirstOrDefault(t => t != "null") ?? "null",
        JsonValue type => (string)type!,
        _ => schema.ContainsKey("properties") ? "object" : "string",
    };

    /// <summary>The documented range of a paging limit ("Page size, 1 to 200"), since the schema carries none.</summary>
    public static (int Min, int Max)? DescribedRange(JsonObject parameter) =>
        Regex.Match((string?)parameter["description"] ?? "", @"(\d+) to (\d+)") is { Success: true } m
            ? (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value))
            : null;

    /// <summary>Every operation of the document, in document order.</summary>
    public static List<Operation> All(JsonObject document) =>
        document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject()
                .Where(m => m.Key is "get" or "post" or "put" or "delete" or "patch")
                .Select(m => new Operation(document, path.Key, m.Key.ToUpperInvariant(), m.Value!.AsObject())))
            .ToList();
}
