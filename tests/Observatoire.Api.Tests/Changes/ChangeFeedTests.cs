using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using Observatoire.Api.Tests.Territories;

namespace Observatoire.Api.Tests.Changes;

public sealed class ChangeFeedTests
{
    private readonly HttpClient _writer = TestApi.Writer();
    private readonly HttpClient _anonymous = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose()
    {
        _writer.Dispose();
        _anonymous.Dispose();
    }

    private async Task<JsonNode> Create(string code, string name = "Territoire d'essai")
    {
        var response = await _writer.PostJson("/v1/territories", TerritoryRequests.Valid(code, name));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return await response.JsonBody();
    }

    [Test]
    public async Task A_creation_an_update_and_a_deletion_are_served_in_turn_with_the_version_and_where_to_read_the_record()
    {
        var code = TerritoryRequests.FreshCode2023();
        var id = TerritoryRequests.IdOf(code);
        var start = await Feed.End(_anonymous);

        var created = await Create(code);
        var afterCreation = await Feed.WaitFor(_anonymous, start, id);
        Assert.That(afterCreation, Has.Count.EqualTo(1), Feed.Describe(afterCreation));
        Assert.Multiple(() =>
        {
            Assert.That((string?)afterCreation[0]["collection"], Is.EqualTo("territories"));
            Assert.That((string?)afterCreation[0]["operation"], Is.EqualTo("created"));
            Assert.That((long?)afterCreation[0]["version"], Is.EqualTo(1));
            Assert.That((string?)afterCreation[0]["href"], Is.EqualTo($"/v1/territories/{id}"));
            Assert.That((DateTime?)afterCreation[0]["changedAt"], Is.EqualTo((DateTime?)created["updatedAt"]));
        });

        var (_, afterCreationEnd) = await Feed.ReadToEnd(_anonymous, start);
        (await _writer.PutJson($"/v1/territories/{id}", TerritoryRequests.Valid(code, "Nouveau nom"))).EnsureSuccessStatusCode();
        var afterUpdate = await Feed.WaitFor(_anonymous, afterCreationEnd, id);
        Assert.That(afterUpdate.Select(e => ((string?)e["operation"], (long?)e["version"], (string?)e["href"])),
            Is.EqualTo(new[] { ("updated", (long?)2, (string?)$"/v1/territories/{id}") }));

        var (_, afterUpdateEnd) = await Feed.ReadToEnd(_anonymous, afterCreationEnd);
        (await _writer.DeleteAsync($"/v1/territories/{id}")).EnsureSuccessStatusCode();
        var afterDeletion = await Feed.WaitFor(_anonymous, afterUpdateEnd, id);
        Assert.That(afterDeletion.Select(e => ((string?)e["operation"], (long?)e["version"], (string?)e["href"])),
            Is.EqualTo(new[] { ("deleted", (long?)null, (string?)null) }));

        // Read from the start, the record appears once, at its latest change.
        var (fromStart, _) = await Feed.ReadToEnd(_anonymous, start);
        var all = fromStart.Where(e => (string?)e["id"] == id).ToList();
        Assert.That(all.Select(e => (string?)e["operation"]), Is.EqualTo(new[] { "deleted" }), Feed.Describe(all));
    }

    [Test]
    public async Task A_record_deleted_then_created_again_appears_once_as_created()
    {
        var code = TerritoryRequests.FreshCode2023();
        var id = TerritoryRequests.IdOf(code);
        var start = await Feed.End(_anonymous);
        await Create(code);
        (await _writer.DeleteAsync($"/v1/territories/{id}")).EnsureSuccessStatusCode();
        await Create(code, "Recréé");

        var mine = await Feed.WaitFor(_anonymous, start, id);
        Assert.That(mine.Select(e => ((string?)e["operation"], (long?)e["version"])), Is.EqualTo(new[] { ("created", (long?)1) }), Feed.Describe(mine));
    }

    [Test]
    public async Task Following_links_next_page_by_page_serves_each_change_once_in_commit_order()
    {
        var start = await Feed.End(_anonymous);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var code = TerritoryRequests.FreshCode2023();
            await Create(code);
            ids.Add(TerritoryRequests.IdOf(code));
        }
        await Feed.WaitFor(_anonymous, start, [.. ids]);

        var served = new List<string>();
        var url = start.Replace("limit=1000", "limit=1", StringComparison.Ordinal);
        for (var pages = 0; ; pages++)
        {
            Assert.That(pages, Is.LessThan(100), "The feed never said it was caught up.");
            var page = await Feed.Read(_anonymous, url);
            Assert.That(page.Items, Has.Count.LessThanOrEqualTo(1));
            served.AddRange(page.Items.Select(e => (string)e["id"]!));
            if (page.CaughtUp)
            {
                Assert.That(page.LinkHeader, Is.Null, "No Link header once caught up: there is no next page yet.");
                break;
            }
            Assert.That(page.LinkHeader, Is.EqualTo($"<{page.Next}>; rel=\"next\""));
            url = page.Next;
        }
        Assert.That(served.Where(ids.Contains), Is.EqualTo(ids));
        var (inOnePage, _) = await Feed.ReadToEnd(_anonymous, start);
        Assert.That(served, Is.EqualTo(inOnePage.Select(e => (string)e["id"]!)));
    }

    [Test]
    public async Task Once_caught_up_the_feed_answers_an_empty_page_whose_next_link_resumes_there()
    {
        var end = await Feed.End(_anonymous);
        var empty = await Feed.Read(_anonymous, end);
        Assert.Multiple(() =>
        {
            Assert.That(empty.Items, Is.Empty);
            Assert.That(empty.CaughtUp, Is.True);
            Assert.That(empty.Next, Does.StartWith("/v1/changes?").And.Contain("since="));
            Assert.That(empty.LinkHeader, Is.Null);
        });
        Assert.That((await Feed.Read(_anonymous, empty.Next)).Items, Is.Empty);

        var code = TerritoryRequests.FreshCode2023();
        await Create(code);
        var mine = await Feed.WaitFor(_anonymous, empty.Next, TerritoryRequests.IdOf(code));
        Assert.That(mine.Select(e => (string?)e["operation"]), Is.EqualTo(new[] { "created" }));
    }

    [Test]
    public async Task Without_a_token_the_feed_starts_from_the_beginning()
    {
        var first = await Feed.Read(_anonymous, "/v1/changes?limit=5");
        Assert.Multiple(() =>
        {
            Assert.That(first.Items, Has.Count.EqualTo(5), "The seeded territories are changes too.");
            Assert.That(first.CaughtUp, Is.False);
            Assert.That(first.Items.Select(e => (string?)e["collection"]), Has.All.EqualTo("territories"));
            Assert.That(first.Next, Does.Contain("limit=5"));
        });
    }

    [TestCase("not-a-token")]
    [TestCase("WyJjaGFuZ2VzIiwiMCIsIjAiXQAAAAAAAAAA")]
    public async Task A_tampered_token_is_a_400_problem_naming_since(string since)
    {
        var response = await _anonymous.GetAsync($"/v1/changes?since={since}");
        var body = await response.ShouldBeValidationProblem("since");
        Assert.That(body["errors"]!["since"]![0]!.ToString(), Does.Contain("links.next"));
    }

    [Test]
    public async Task A_token_altered_by_one_character_or_taken_from_another_list_is_refused()
    {
        var end = await Feed.End(_anonymous);
        var token = end.Split("since=")[1];
        var altered = (token[0] == 'A' ? 'B' : 'A') + token[1..];
        await (await _anonymous.GetAsync($"/v1/changes?since={altered}")).ShouldBeValidationProblem("since");

        var territories = await (await _anonymous.GetAsync("/v1/territories?limit=1")).JsonBody();
        var cursor = ((string)territories["links"]!["next"]!).Split("cursor=")[1];
        await (await _anonymous.GetAsync($"/v1/changes?since={cursor}")).ShouldBeValidationProblem("since");
    }

    [TestCase("0")]
    [TestCase("1001")]
    [TestCase("-5")]
    [TestCase("many")]
    public async Task A_limit_out_of_1_to_1000_is_a_400_problem_naming_limit(string limit)
    {
        await (await _anonymous.GetAsync($"/v1/changes?limit={limit}")).ShouldBeValidationProblem("limit");
    }

    [Test]
    public async Task A_limit_of_1000_is_accepted()
    {
        var page = await Feed.Read(_anonymous, "/v1/changes?limit=1000");
        Assert.That(page.Items, Has.Count.LessThanOrEqualTo(1000).And.Count.GreaterThan(0));
    }

    [Test]
    public async Task A_change_is_not_served_before_an_older_transaction_still_running_has_ended()
    {
        var start = await Feed.End(_anonymous);
        var earlyCode = TerritoryRequests.FreshCode2023();
        var early = TerritoryRequests.IdOf(earlyCode);
        var lateCode = TerritoryRequests.FreshCode2023();
        var late = TerritoryRequests.IdOf(lateCode);

        await using var connection = new NpgsqlConnection(TestApi.Database.ConnectionString);
        await connection.OpenAsync();
        string resume;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            // The open transaction writes first: its transaction id is older than the API's write below.
            await DirectWrites.Create(connection, transaction, earlyCode, "Écrit dans une transaction longue");
            await Create(lateCode);
            Assert.That((await _anonymous.GetAsync($"/v1/territories/{late}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

            (var whileOpen, resume) = await Feed.ReadToEnd(_anonymous, start);
            Assert.That(whileOpen.Where(e => (string?)e["id"] is var id && (id == early || id == late)), Is.Empty,
                $"Served while an older transaction was open: {Feed.Describe(whileOpen)}");

            await transaction.CommitAsync();
        }

        // Resuming from the token of the read above, taken while the transaction was open, misses neither.
        var both = await Feed.WaitFor(_anonymous, resume, early, late);
        Assert.That(both.Select(e => ((string?)e["id"], (string?)e["operation"])),
            Is.EqualTo(new[] { (early, "created"), (late, "created") }), "The earlier transaction comes first, although it committed last.");
    }
}
