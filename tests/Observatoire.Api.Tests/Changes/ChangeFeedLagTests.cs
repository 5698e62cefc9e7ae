using System.Net;
using System.Text.Json.Nodes;
using Npgsql;

namespace Observatoire.Api.Tests.Changes;

/// <summary>The feed says when committed changes are held back by a transaction still open, and why.</summary>
public sealed class ChangeFeedLagTests
{
    [Test]
    public async Task A_transaction_left_open_holds_later_commits_back_and_the_page_says_so_until_it_ends()
    {
        using var reader = TestApi.Anonymous();
        var start = await Feed.End(reader);
        Assert.That((bool)(await Page(reader, start))["lag"]!["heldBack"]!, Is.False, "nothing is held before the test");

        await using var connection = new NpgsqlConnection(TestApi.Database.ConnectionString);
        await connection.OpenAsync();
        var sourceId = "";
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using (var write = new NpgsqlCommand("insert into sources (id, url) values (@id, 'https://example.org/en-cours')", connection, transaction))
            {
                write.Parameters.AddWithValue("id", Records.FreshId("source"));
                await write.ExecuteNonQueryAsync();
            }
            var before = DateTime.UtcNow.AddSeconds(-1);
            sourceId = await Records.NewSource();

            var held = await Page(reader, start);
            Assert.That(held["items"]!.AsArray().Select(i => (string?)i!["id"]), Does.Not.Contain(sourceId), "a change committed after the open transaction began waits");
            Assert.That((bool)held["caughtUp"]!, Is.True);
            var lag = held["lag"]!;
            Assert.That((bool)lag["heldBack"]!, Is.True, held.ToJsonString());
            Assert.That((int)lag["heldChanges"]!, Is.GreaterThanOrEqualTo(1));
            Assert.That((DateTime)lag["heldSince"]!, Is.GreaterThan(before).And.LessThanOrEqualTo((DateTime)lag["newestChangeAt"]!));
            Assert.That((string?)lag["reason"], Does.Contain("still open").And.Contain("10s"));
            await transaction.RollbackAsync();
        }

        var served = await Feed.WaitFor(reader, start, sourceId);
        Assert.That(served.Select(e => (string?)e["operation"]), Is.EqualTo(new[] { "created" }));
        var end = await Page(reader, await Feed.End(reader));
        Assert.That((bool)end["lag"]!["heldBack"]!, Is.False, end.ToJsonString());
        Assert.That((int)end["lag"]!["heldChanges"]!, Is.Zero);
        Assert.That(end["lag"]!["reason"], Is.Null);
    }

    private static async Task<JsonNode> Page(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonNode.Parse(text)!;
    }
}
