using System.Text.Json;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Audit;

/// <summary>Examples for the OpenAPI document: a replacement of a source.</summary>
public static class AuditExamples
{
    private static readonly DateTime Created = new(2026, 11, 26, 9, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Replaced = new(2026, 11, 30, 14, 5, 12, DateTimeKind.Utc);

    private static JsonElement Source(string title, DateTime updatedAt, long version) => JsonSerializer.SerializeToElement(
        new SourceResponse("la-fabrique-ces-territoires", "https://www.la-fabrique.fr/fr/publication/ces-territoires-qui-cherchent-a-se-reindustrialiser-2/",
            title, "La Fabrique de l'industrie", null, Created, updatedAt, version), new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static readonly AuditEntry Entry = new(
        41, Replaced, new AuditKey("1", "bootstrap"), "replace", "sources", "la-fabrique-ces-territoires",
        Source("Ces territoires qui cherchent à se réindustrialiser", Created, 1),
        Source("Ces territoires qui cherchent à se réindustrialiser (2019)", Replaced, 2),
        "4bf92f3577b34da6a3ce929d0e0e4736");

    /// <summary>The first page of /v1/audit?collection=sources&amp;limit=1.</summary>
    public static readonly Page<AuditEntry> Page = new(
        [Entry], new PageLinks($"/v1/audit?collection=sources&limit=1&cursor={Paging.ExampleCursor("41")}"));
}
