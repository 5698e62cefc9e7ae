using System.Net;
using System.Text.Json.Nodes;
using Observatoire.Api.Tests.Territories;

namespace Observatoire.Api.Tests;

/// <summary>
/// Request bodies and helpers that create the records a test needs. Ids, names and session numbers are
/// fresh for every call so that no test meets another's data.
/// </summary>
public static class Records
{
    private static int _nextNumber = Random.Shared.Next(1_000, 50_000);

    /// <summary>A fresh slug such as "essai-3f2a9c1b7d4e".</summary>
    public static string FreshId(string prefix = "essai") => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>A session number no other test uses (the seeded sessions are 1 to 15).</summary>
    public static int FreshNumber() => Interlocked.Increment(ref _nextNumber);

    public static Dictionary<string, object?> Source(string? id = null) => new()
    {
        ["id"] = id ?? FreshId("source"),
        ["url"] = "https://www.la-fabrique.fr/fr/publication/ces-territoires-qui-cherchent-a-se-reindustrialiser-2/",
        ["title"] = "Ces territoires qui cherchent à se réindustrialiser",
        ["publisher"] = "La Fabrique de l'industrie",
        ["seenOn"] = "2024-05-02",
    };

    public static Dictionary<string, object?> Organisation(string[]? territoryIds = null, string[]? sourceIds = null, string? id = null) => new()
    {
        ["id"] = id ?? FreshId("org"),
        ["type"] = "organisation",
        ["category"] = "research_and_training",
        ["name"] = $"Organisation {Guid.NewGuid():N}"[..25],
        ["role"] = "centre de recherche",
        ["organisation"] = "Université d'essai",
        ["website"] = "https://example.org/",
        ["territoryIds"] = territoryIds ?? Array.Empty<string>(),
        ["sourceIds"] = sourceIds ?? Array.Empty<string>(),
    };

    public static Dictionary<string, object?> Person(string name, string[]? territoryIds = null, string[]? sourceIds = null) => new()
    {
        ["type"] = "person",
        ["category"] = "elected_official",
        ["name"] = name,
        ["role"] = "maire",
        ["organisation"] = "Ville d'essai",
        ["territoryIds"] = territoryIds ?? Array.Empty<string>(),
        ["sourceIds"] = sourceIds ?? Array.Empty<string>(),
    };

    public static Dictionary<string, object?> Resource(string territoryId, string kind = "material", string[]? actorIds = null, string[]? sourceIds = null, string? id = null) => new()
    {
        ["id"] = id ?? FreshId("resource"),
        ["kind"] = kind,
        ["name"] = "Port d'essai",
        ["description"] = "Un port.",
        ["territoryId"] = territoryId,
        ["tags"] = new[] { "port", "logistique" },
        ["actorIds"] = actorIds ?? Array.Empty<string>(),
        ["sourceIds"] = sourceIds ?? Array.Empty<string>(),
    };

    public static Dictionary<string, object?> Project(string territoryId, string[]? resourceIds = null, string[]? actorIds = null, string[]? sourceIds = null, string? id = null) => new()
    {
        ["id"] = id ?? FreshId("project"),
        ["name"] = "Projet d'essai",
        ["territoryId"] = territoryId,
        ["description"] = "Un projet ; ouverture annoncée en 2023.",
        ["status"] = "ouverture annoncée",
        ["year"] = 2023,
        ["resourceIds"] = resourceIds ?? Array.Empty<string>(),
        ["actorIds"] = actorIds ?? Array.Empty<string>(),
        ["sourceIds"] = sourceIds ?? Array.Empty<string>(),
    };

    public static Dictionary<string, object?> Session(
        int? number = null, string? date = "2020-11-26", string? territoryId = null, string? partnerActorId = null,
        object[]? speakers = null, object[]? links = null, string[]? sourceIds = null, string? id = null) => new()
    {
        ["id"] = id,
        ["number"] = number,
        ["date"] = date,
        ["title"] = "Séance d'essai",
        ["format"] = territoryId is null ? "thematic" : "territorial",
        ["territoryId"] = territoryId,
        ["partnerActorId"] = partnerActorId,
        ["location"] = "Paris",
        ["links"] = links ?? Array.Empty<object>(),
        ["speakers"] = speakers ?? Array.Empty<object>(),
        ["sourceIds"] = sourceIds ?? Array.Empty<string>(),
    };

    public static Dictionary<string, object?> Figure(string territoryId, string[]? sourceIds = null, string? id = null) => new()
    {
        ["id"] = id ?? FreshId("figure"),
        ["territoryId"] = territoryId,
        ["label"] = "Emplois industriels",
        ["valueText"] = "plus de 30 000",
        ["valueNumeric"] = 30000.5m,
        ["unit"] = "emplois",
        ["referenceDate"] = "2019-06",
        ["sourceIds"] = sourceIds ?? Array.Empty<string>(),
    };

    /// <summary>Posts <paramref name="body"/> to /v1/{collection}, asserts the 201 and returns the created record.</summary>
    public static async Task<JsonNode> Create(string collection, object body)
    {
        using var writer = TestApi.Writer();
        var response = await writer.PostJson($"/v1/{collection}", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), text);
        return JsonNode.Parse(text)!;
    }

    public static async Task<string> CreateId(string collection, object body) => (string)(await Create(collection, body))["id"]!;

    /// <summary>A new 2023-2027 territory of the test range (ti-90xx), with no other record referring to it.</summary>
    public static async Task<string> NewTerritory()
    {
        var code = TerritoryRequests.FreshCode2023();
        using var writer = TestApi.Writer();
        var response = await writer.PostJson("/v1/territories", TerritoryRequests.Valid(code));
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            // The code range is small: reuse happens only when a run creates more than 100 test territories.
            code = TerritoryRequests.FreshCode2023();
            response = await writer.PostJson("/v1/territories", TerritoryRequests.Valid(code));
        }
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return TerritoryRequests.IdOf(code);
    }

    public static async Task<string> NewSource() => await CreateId("sources", Source());

    public static async Task<string> NewOrganisation(string[]? territoryIds = null) => await CreateId("actors", Organisation(territoryIds));

    /// <summary>Every id of a collection's list, following the next links with a small page size.</summary>
    public static async Task<List<JsonNode>> ReadAll(HttpClient client, string firstUrl, int maxPages = 500)
    {
        var items = new List<JsonNode>();
        string? next = firstUrl;
        for (var pages = 0; next is not null; pages++)
        {
            Assert.That(pages, Is.LessThan(maxPages), "the cursor does not advance");
            var response = await client.GetAsync(next);
            var text = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
            var body = JsonNode.Parse(text)!;
            items.AddRange(body["items"]!.AsArray().Select(i => i!.DeepClone()));
            next = (string?)body["links"]!["next"];
        }
        return items;
    }

    public static IEnumerable<string?> Ids(this JsonNode? array) => array!.AsArray().Select(i => (string?)i!["id"]);

    public static IEnumerable<string?> Strings(this JsonNode? array) => array!.AsArray().Select(i => (string?)i);
}
