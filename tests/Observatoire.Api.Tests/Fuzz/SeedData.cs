using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Observatoire.Api.Tests.Collections;

namespace Observatoire.Api.Tests.Fuzz;

/// <summary>
/// Ids of real records, read through the API's own lists, so that generated requests reach existing rows. Every
/// collection of <see cref="CollectionCases.All"/>; one with no seeded rows gets one, created from its declaration.
/// </summary>
public sealed class SeedData
{
    public static readonly string[] Collections = [.. CollectionCases.All.Select(c => c.Name)];

    private readonly Dictionary<string, List<string>> _ids = new();

    public IReadOnlyList<string> Ids(string collection) => _ids[collection];

    public static async Task<SeedData> ReadAsync(HttpClient client)
    {
        var data = new SeedData();
        foreach (var collection in Collections)
        {
            var page = JsonNode.Parse(await client.GetStringAsync($"/v1/{collection}?limit=50"))!;
            var ids = page["items"]!.AsArray().Select(r => (string)r!["id"]!).ToList();
            if (ids.Count == 0)
            {
                var declared = CollectionCases.All.Single(c => c.Name == collection);
                ids.Add((string)(await Records.Create(collection, declared.Valid(ListReads.FreshWord(), 1)))["id"]!);
            }
            data._ids[collection] = ids;
            if (collection == "territories")
            {
                // Region and department codes in use, for territory bodies that name existing ones.
                var rows = page["items"]!.AsArray();
                data._ids["regionCodes"] = rows.SelectMany(r => r!["regions"]!.AsArray().Select(g => (string)g!["code"]!)).Distinct().ToList();
                data._ids["departmentCodes"] = rows.SelectMany(r => r!["departments"]!.AsArray().Select(d => (string)d!)).Distinct().ToList();
            }
        }
        // The path values of the dump files: the latest dump's version and its collections.
        var dump = JsonNode.Parse(await client.GetStringAsync("/v1/dumps/latest"))!;
        data._ids["version"] = [dump["dataVersion"]!.ToString()];
        data._ids["collection"] = [.. dump["collections"]!.AsArray().Select(f => (string)f!["collection"]!)];
        // Keys are listed by the admin key (the suite's bootstrap key); their ids are numbers.
        using var keys = new HttpRequestMessage(HttpMethod.Get, "/v1/keys?limit=50");
        keys.Headers.Add("X-Api-Key", TestApi.ApiKey);
        using var answer = await client.SendAsync(keys);
        data._ids["keys"] = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["items"]!.AsArray().Select(k => k!["id"]!.ToString()).ToList();
        data._ids["webhooks"] = [await WebhookEndpointAsync(client)];
        return data;
    }

    // One endpoint for the reads of /v1/webhooks/{id}, disabled at once so that nothing is ever sent to it.
    private static async Task<string> WebhookEndpointAsync(HttpClient client)
    {
        using var register = new HttpRequestMessage(HttpMethod.Post, "/v1/webhooks")
        {
            Content = JsonContent.Create(new { url = "https://example.org/fuzz/hook", collections = new[] { "sources" } }),
        };
        register.Headers.Add("X-Api-Key", TestApi.ApiKey);
        using var answer = await client.SendAsync(register);
        var id = (long)JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["id"]!;
        await TestApi.Database.ScalarAsync<object>($"update webhook_endpoints set disabled_at = now(), disabled_reason = 'Read by generated requests only.' where id = {id}");
        return id.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The collection a reference field points to (territoryId, actorIds, partnerActorId…), if any.</summary>
    public static string? CollectionOf(string field) => field switch
    {
        "territoryId" or "territoryIds" or "territory" => "territories",
        "actorId" or "actorIds" or "partnerActorId" or "actor" or "speaker" => "actors",
        "resourceIds" or "resource" => "resources",
        "sourceIds" => "sources",
        "regionCodes" or "departmentCodes" => field,
        _ => null,
    };
}
