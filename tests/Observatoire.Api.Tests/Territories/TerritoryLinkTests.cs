using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Npgsql;

namespace Observatoire.Api.Tests.Territories;

/// <summary>
/// Predecessors and successors are stored (territory_links) and kept by the database as communes and territories
/// change: they must always equal what the shared communes say, whoever wrote them.
/// </summary>
public sealed class TerritoryLinkTests
{
    private readonly HttpClient _writer = TestApi.Writer();
    private readonly HttpClient _anonymous = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose()
    {
        _writer.Dispose();
        _anonymous.Dispose();
    }

    // The links as the shared communes define them (with both territories' commune counts), computed afresh, against
    // the stored ones: the rows that differ.
    private const string DifferencesFromCommunes = """
        with shared as (
            select mine.territory_id, theirs.territory_id as linked_id, count(*)::int as shared_communes
            from territory_communes mine
            join territory_communes theirs on theirs.insee_code = mine.insee_code
            join territories self on self.id = mine.territory_id
            join territories other on other.id = theirs.territory_id and other.phase <> self.phase
            group by 1, 2),
        sizes as (select territory_id, count(*)::int as n from territory_communes group by 1),
        computed as (
            select s.territory_id, s.linked_id, s.shared_communes, mine.n as territory_communes, theirs.n as linked_communes
            from shared s join sizes mine on mine.territory_id = s.territory_id join sizes theirs on theirs.territory_id = s.linked_id),
        stored as (select territory_id, linked_id, shared_communes, territory_communes, linked_communes from territory_links)
        select count(*) from ((select * from computed except select * from stored)
                              union all
                              (select * from stored except select * from computed)) differences
        """;

    [TestCase("2018-ti2704", "2023-ti-2708", "Dampjoux")]
    [TestCase("2018-ti2406", "2023-ti-2404", "Bordeaux-en-Gâtinais")]
    public async Task A_link_resting_on_one_commune_says_so_by_its_small_shares(string predecessor, string successor, string commune)
    {
        var (forward, communesOfThis, communesOfOther) = await LinkAsync(predecessor, "successors", successor);
        var (backward, _, _) = await LinkAsync(successor, "predecessors", predecessor);
        var theirs = (await Records.ReadAll(_anonymous, $"/v1/territories/{successor}/communes?limit=200")).Select(c => (string?)c["inseeCode"]).ToHashSet();
        var shared = (await Records.ReadAll(_anonymous, $"/v1/territories/{predecessor}/communes?limit=200"))
            .Where(c => theirs.Contains((string?)c["inseeCode"])).Select(c => $"{c["name"]} ({c["inseeCode"]})").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(shared, Has.Count.EqualTo(1).And.All.StartsWith(commune + " ("), "the one commune the link rests on");
            Assert.That((int)forward["sharedCommunes"]!, Is.EqualTo(1));
            Assert.That((double)forward["shareOfThis"]!, Is.EqualTo(Math.Round(1.0 / communesOfThis, 4)).And.LessThan(0.1));
            Assert.That((double)forward["shareOfOther"]!, Is.EqualTo(Math.Round(1.0 / communesOfOther, 4)).And.LessThan(0.1));
            Assert.That((int)backward["sharedCommunes"]!, Is.EqualTo(1));
            Assert.That((double)backward["shareOfThis"]!, Is.EqualTo((double)forward["shareOfOther"]!), "the same link seen from the other side");
            Assert.That((double)backward["shareOfOther"]!, Is.EqualTo((double)forward["shareOfThis"]!));
        });
    }

    [Test]
    public async Task A_real_succession_rests_on_most_communes_of_both_territories()
    {
        // Nord Franche-Comté kept its perimeter from one phase to the next.
        var (link, communesOfThis, communesOfOther) = await LinkAsync("2018-ti2707", "successors", "2023-ti-2708");
        Assert.Multiple(() =>
        {
            Assert.That((int)link["sharedCommunes"]!, Is.GreaterThan(50));
            Assert.That((double)link["shareOfThis"]!, Is.EqualTo(Math.Round((double)(int)link["sharedCommunes"]! / communesOfThis, 4)).And.GreaterThan(0.8));
            Assert.That((double)link["shareOfOther"]!, Is.EqualTo(Math.Round((double)(int)link["sharedCommunes"]! / communesOfOther, 4)).And.GreaterThan(0.8));
        });
    }

    [Test]
    public async Task The_documents_example_shows_the_links_the_api_serves()
    {
        var example = Observatoire.Api.Territories.TerritoryExamples.Response;
        var served = await (await _anonymous.GetAsync($"/v1/territories/{example.Id}")).JsonBody();
        Assert.That(served["predecessors"]!.ToJsonString(),
            Is.EqualTo(System.Text.Json.JsonSerializer.Serialize(example.Predecessors, HttpAssertions.Json)));
    }

    /// <summary>The link from one territory to another, with the commune counts the API gives and checks against the territories' communes.</summary>
    private async Task<(JsonNode Link, int CommunesOfThis, int CommunesOfOther)> LinkAsync(string id, string side, string linked)
    {
        var territory = await (await _anonymous.GetAsync($"/v1/territories/{id}")).JsonBody();
        var link = territory[side]!.AsArray().SingleOrDefault(l => (string?)l!["id"] == linked)
                   ?? throw new AssertionException($"{id} has no {side} link to {linked}: {territory[side]}");
        var communesOfThis = (await Records.ReadAll(_anonymous, $"/v1/territories/{id}/communes?limit=200")).Count;
        var communesOfOther = (await Records.ReadAll(_anonymous, $"/v1/territories/{linked}/communes?limit=200")).Count;
        Assert.Multiple(() =>
        {
            Assert.That((int)link["communesOfThis"]!, Is.EqualTo(communesOfThis));
            Assert.That((int)link["communesOfOther"]!, Is.EqualTo(communesOfOther));
        });
        return (link, communesOfThis, communesOfOther);
    }

    [Test]
    public async Task The_stored_links_are_those_the_shared_communes_define()
    {
        Assert.Multiple(async () =>
        {
            Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from territory_links"), Is.GreaterThan(300));
            Assert.That(await TestApi.Database.ScalarAsync<long>(DifferencesFromCommunes), Is.Zero);
        });
    }

    [Test]
    public async Task Creating_replacing_and_deleting_a_territory_moves_it_among_the_other_phase_successors()
    {
        var code = TerritoryRequests.FreshCode2023();
        var id = TerritoryRequests.IdOf(code);
        (await _writer.PostJson("/v1/territories", TerritoryRequests.Valid(code))).EnsureSuccessStatusCode();
        // Both communes (90010, 90065) are in Nord Franche-Comté (2018-ti2707); Saint-Nazaire (44184) is in 2018-ti5209.
        Assert.That(await SuccessorsOf("2018-ti2707"), Does.ContainKey(id).WithValue(2));
        Assert.That(await SuccessorsOf("2018-ti5209"), Does.Not.ContainKey(id));

        var replacement = TerritoryRequests.Valid(code);
        replacement["communes"] = new[] { new { inseeCode = "44184", name = "Saint-Nazaire" } };
        (await _writer.PutJson($"/v1/territories/{id}", replacement)).EnsureSuccessStatusCode();
        Assert.That(await SuccessorsOf("2018-ti2707"), Does.Not.ContainKey(id));
        Assert.That(await SuccessorsOf("2018-ti5209"), Does.ContainKey(id).WithValue(1));

        Assert.That((await _writer.DeleteAsync($"/v1/territories/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await SuccessorsOf("2018-ti5209"), Does.Not.ContainKey(id));
        Assert.That(await TestApi.Database.ScalarAsync<long>(DifferencesFromCommunes), Is.Zero);
    }

    [Test]
    public async Task Communes_written_directly_in_the_database_move_the_links_too()
    {
        var code = TerritoryRequests.FreshCode2023();
        var id = TerritoryRequests.IdOf(code);
        (await _writer.PostJson("/v1/territories", TerritoryRequests.Valid(code))).EnsureSuccessStatusCode();

        // A commune moved by hand: Belfort becomes Saint-Nazaire.
        await TestApi.Database.ScalarAsync<int>(
            "update territory_communes set insee_code = '44184', name = 'Saint-Nazaire' where territory_id = $1 and insee_code = '90010'", id);
        var territory = await (await _anonymous.GetAsync($"/v1/territories/{id}")).JsonBody();
        // 90065 keeps it linked to Nord Franche-Comté, now by one commune.
        Assert.That(Links(territory, "predecessors"), Is.EquivalentTo(new Dictionary<string, int> { ["2018-ti2707"] = 1, ["2018-ti5209"] = 1 }));
        Assert.That(await SuccessorsOf("2018-ti5209"), Does.ContainKey(id).WithValue(1));

        // A second commune of Nord Franche-Comté added, then all of them removed, each in one statement.
        await TestApi.Database.ScalarAsync<int>(
            "insert into territory_communes (territory_id, insee_code, name) select $1, insee_code, name from territory_communes where territory_id = '2018-ti2707' and insee_code <> '90065' limit 2", id);
        Assert.That(await SuccessorsOf("2018-ti2707"), Does.ContainKey(id).WithValue(3));
        await TestApi.Database.ScalarAsync<int>(
            "delete from territory_communes c where c.territory_id = $1 and c.insee_code in (select insee_code from territory_communes where territory_id = '2018-ti2707')", id);
        territory = await (await _anonymous.GetAsync($"/v1/territories/{id}")).JsonBody();
        Assert.That(Links(territory, "predecessors"), Is.EquivalentTo(new Dictionary<string, int> { ["2018-ti5209"] = 1 }));
        Assert.That(await TestApi.Database.ScalarAsync<long>(DifferencesFromCommunes), Is.Zero);

        (await _writer.DeleteAsync($"/v1/territories/{id}")).EnsureSuccessStatusCode();
    }

    [Test]
    public async Task Two_open_transactions_giving_two_territories_a_shared_commune_link_them_once_both_commit()
    {
        var code = TerritoryRequests.FreshCode2023();
        var id = TerritoryRequests.IdOf(code);
        (await _writer.PostJson("/v1/territories", TerritoryRequests.Valid(code))).EnsureSuccessStatusCode();
        // A territory of the other phase with the same number, written directly.
        var other = $"2018-ti{code[3..]}";
        await TestApi.Database.ScalarAsync<int>(
            "insert into territories (id, phase, code, name, region_codes, department_codes) values ($1, '2018-2022', $2, 'Territoire d''essai', '{27}', '{90}')",
            other, $"TI{code[3..]}");

        // Neither transaction sees the other's commune before it commits; the second to commit must still count it.
        await using var first = new NpgsqlConnection(TestApi.Database.ConnectionString);
        await using var second = new NpgsqlConnection(TestApi.Database.ConnectionString);
        await first.OpenAsync();
        await second.OpenAsync();
        await using var firstTransaction = await first.BeginTransactionAsync();
        await using var secondTransaction = await second.BeginTransactionAsync();
        await Execute(first, "insert into territory_communes (territory_id, insee_code, name) values ($1, '44184', 'Saint-Nazaire')", id);
        await Execute(second, "insert into territory_communes (territory_id, insee_code, name) values ($1, '44184', 'Saint-Nazaire')", other);
        // Meanwhile another writer is not held up by them.
        var replacement = TerritoryRequests.Valid(TerritoryRequests.FreshCode2023());
        Assert.That((await _writer.PostJson("/v1/territories", replacement)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        await firstTransaction.CommitAsync();
        await secondTransaction.CommitAsync();

        Assert.That(await SuccessorsOf(other), Does.ContainKey(id).WithValue(1));
        var territory = await (await _anonymous.GetAsync($"/v1/territories/{id}")).JsonBody();
        Assert.That(Links(territory, "predecessors"), Does.ContainKey(other).WithValue(1));
        Assert.That(await TestApi.Database.ScalarAsync<long>(DifferencesFromCommunes), Is.Zero);

        await TestApi.Database.ScalarAsync<int>("delete from territories where id = $1", other);
        (await _writer.DeleteAsync($"/v1/territories/{id}")).EnsureSuccessStatusCode();
        (await _writer.DeleteAsync($"/v1/territories/{TerritoryRequests.IdOf((string)replacement["code"]!)}")).EnsureSuccessStatusCode();
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.AddWithValue(p);
        await command.ExecuteNonQueryAsync();
    }

    [Test]
    public async Task A_territory_read_is_one_database_command()
    {
        var code = TerritoryRequests.FreshCode2023();
        var id = TerritoryRequests.IdOf(code);
        (await _writer.PostJson("/v1/territories", TerritoryRequests.Valid(code))).EnsureSuccessStatusCode();

        // The commands the request ran, as Npgsql traces them, recognised by the trace id the request carries.
        var traceId = ActivityTraceId.CreateRandom();
        var commands = new ConcurrentBag<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name == "Npgsql" && activity.TraceId == traceId)
                {
                    commands.Add((activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement"))?.ToString() ?? "");
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/territories/{id}?include=resources,actors,sessions,projects");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        var body = await (await _anonymous.SendAsync(request)).JsonBody();
        Assert.That((string?)body["id"], Is.EqualTo(id));

        // Besides the read, the conditional-read check may run its own query: every part of the territory is in one command.
        var reads = commands.Where(c => c.Contains("territory_groupings") || c.Contains("territory_links") || c.Contains("figure_sources")
                                        || c.Contains("territory_sources") || c.Contains("actor_territories")).ToList();
        Assert.That(reads, Has.Count.EqualTo(1), string.Join("\n----\n", commands));
        Assert.That(reads[0], Does.Contain("territory_links").And.Contain("figure_sources").And.Contain("territory_sources").And.Contain("actor_territories"));
        Assert.That(commands, Has.Count.LessThanOrEqualTo(2), string.Join("\n----\n", commands));

        (await _writer.DeleteAsync($"/v1/territories/{id}")).EnsureSuccessStatusCode();
    }

    private async Task<Dictionary<string, int>> SuccessorsOf(string id) =>
        Links(await (await _anonymous.GetAsync($"/v1/territories/{id}")).JsonBody(), "successors");

    private static Dictionary<string, int> Links(JsonNode territory, string side) =>
        territory[side]!.AsArray().ToDictionary(l => (string)l!["id"]!, l => (int)l!["sharedCommunes"]!);
}
