using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Tests;

/// <summary>The collections the API registers and the tables the database tracks are the same.</summary>
public sealed class CollectionRegistryTests
{
    private static CollectionRegistry Registry => TestApi.Factory.Services.GetRequiredService<CollectionRegistry>();

    // The tables whose rows get a version and a change position (the trigger of migration 0001).
    private const string TrackedTables = """
        select c.relname from pg_trigger t
        join pg_class c on c.oid = t.tgrelid
        join pg_proc p on p.oid = t.tgfoid
        where p.proname = 'track_change' and not t.tgisinternal
        order by 1
        """;

    [Test]
    public async Task Every_table_whose_changes_are_tracked_is_a_registered_collection_and_every_collection_such_a_table()
    {
        var tracked = new List<string>();
        await using (var connection = new NpgsqlConnection(TestApi.Database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(TrackedTables, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) tracked.Add(reader.GetString(0));
        }

        Assert.That(tracked, Is.Not.Empty);
        Assert.That(Registry.Names.Order(StringComparer.Ordinal), Is.EqualTo(tracked),
            "a table with the track_change trigger is a collection: register it in its MapXxxApi (app.AddCollection), or drop the trigger");
    }

    [Test]
    public async Task The_document_lists_the_registered_collections_in_the_feed_and_search_and_tags_each_one()
    {
        using var client = TestApi.Anonymous();
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        var schemas = document["components"]!["schemas"]!;
        string[] Enum(JsonNode? node) => [.. node!["enum"]!.AsArray().Select(v => v!.GetValue<string>())];

        Assert.Multiple(() =>
        {
            Assert.That(Enum(schemas["ChangeEntry"]!["properties"]!["collection"]), Is.EqualTo(Registry.Names));
            Assert.That(Enum(schemas["SearchHit"]!["properties"]!["type"]), Is.EqualTo(Registry.Names));
            Assert.That(document["tags"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()).Take(Registry.All.Count),
                Is.EqualTo(Registry.All.Select(c => c.Tag)));
        });
    }
}
