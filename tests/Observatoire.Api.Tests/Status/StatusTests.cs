using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using Observatoire.Api.Tests.Changes;
using Observatoire.Api.Tests.Collections;

namespace Observatoire.Api.Tests.Status;

public sealed class StatusTests
{
    [Test]
    public async Task The_status_gives_the_vintage_of_the_territory_sources_as_the_seeds_record_them()
    {
        using var reader = TestApi.Anonymous();
        var sources = (await Status(reader))["sources"]!.AsArray().ToDictionary(s => (string)s!["id"]!, s => s!);
        // Other tests' territories may cite sources too: the seeded ones must be there, with the vintages the seeds give.
        Assert.That(sources.Keys, Is.SupersetOf(new[]
        {
            "signaux-faibles-datapi-terrind-2020-10-15", "etalab-decoupage-administratif-0-8-0", "etalab-decoupage-administratif-6-0-0",
            "anct-carto-superposeur-anct-ti-geom-2024", "gregoiredavid-france-geojson-communes-2018",
        }));
        Assert.That((string?)sources["anct-carto-superposeur-anct-ti-geom-2024"]["vintage"], Is.EqualTo("2024-07-04"));
        Assert.That((string?)sources["signaux-faibles-datapi-terrind-2020-10-15"]["vintage"], Is.EqualTo("2020-10-15"));
        Assert.That((string?)sources["etalab-decoupage-administratif-0-8-0"]["vintage"], Is.EqualTo("2020-01-01"));
        Assert.That((string?)sources["gregoiredavid-france-geojson-communes-2018"]["vintage"], Is.EqualTo("2018-10-16"));
        Assert.That(sources["etalab-decoupage-administratif-6-0-0"]["vintage"], Is.Null, "a year is not a date: none is given");
        Assert.That(sources["anct-carto-superposeur-anct-ti-geom-2024"]["phases"]!.Strings(), Does.Contain("2023-2027"));
        Assert.That(sources["signaux-faibles-datapi-terrind-2020-10-15"]["phases"]!.Strings(), Does.Contain("2018-2022"));
        Assert.That(sources["etalab-decoupage-administratif-6-0-0"]["phases"]!.Strings(), Is.EqualTo(new[] { "2018-2022", "2023-2027" }));
        foreach (var (id, source) in sources)
        {
            var phases = await TestApi.Database.ScalarAsync<string[]>(
                "select array_agg(distinct t.phase order by t.phase) from territory_sources x join territories t on t.id = x.territory_id where x.source_id = $1", id);
            Assert.That(source["phases"]!.Strings(), Is.EqualTo(phases), $"the phases of the territories citing {id}");
        }
    }

    [Test]
    public async Task The_status_counts_every_collection_and_gives_the_data_version_and_the_versions()
    {
        using var reader = TestApi.Anonymous();
        await Records.NewSource();
        var status = await Status(reader);

        await using var connection = new NpgsqlConnection(TestApi.Database.ConnectionString);
        await connection.OpenAsync();
        var counts = status["collections"]!.AsArray();
        Assert.That(counts.Select(c => (string?)c!["collection"]), Is.EquivalentTo(CollectionCases.All.Select(c => c.Name)));
        foreach (var count in counts)
        {
            await using var command = new NpgsqlCommand($"select count(*) from {(string)count!["collection"]!}", connection);
            Assert.That((long)count["count"]!, Is.EqualTo((long)(await command.ExecuteScalarAsync())!), (string?)count["collection"]);
        }
        await using (var version = new NpgsqlCommand("select version from data_version", connection))
        {
            Assert.That((long)status["dataVersion"]!, Is.EqualTo((long)(await version.ExecuteScalarAsync())!));
        }

        var document = JsonNode.Parse(await reader.GetStringAsync("/openapi/v1.json"))!;
        Assert.That((string?)status["contractVersion"], Is.EqualTo((string?)document["info"]!["version"]));
        Assert.That((string?)status["apiVersion"], Is.Not.Null.And.Not.Empty);
    }

    [Test]
    public async Task The_feed_from_the_status_position_serves_what_changes_afterwards_and_not_what_came_before()
    {
        using var reader = TestApi.Anonymous();
        var before = await Records.NewSource();
        await Feed.WaitFor(reader, Feed.Beginning, before);
        var since = (string)(await Status(reader))["since"]!;
        var after = await Records.NewSource();
        var entries = await Feed.WaitFor(reader, $"/v1/changes?since={Uri.EscapeDataString(since)}", after);
        Assert.That(entries.Select(e => (string?)e["id"]), Does.Contain(after));
        var (all, _) = await Feed.ReadToEnd(reader, $"/v1/changes?since={Uri.EscapeDataString(since)}");
        Assert.That(all.Select(e => (string?)e["id"]), Does.Not.Contain(before));
    }

    private static async Task<JsonNode> Status(HttpClient client)
    {
        var response = await client.GetAsync("/v1/status");
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonNode.Parse(text)!;
    }
}
