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

    // The links as the shared communes define them, computed afresh, against the stored ones: the rows that differ.
    private const string DifferencesFromCommunes = """
        with computed as (
            select mine.territory_id, theirs.territory_id as linked_id, count(*)::int as shared_communes
            from territory_communes mine
            join territory_communes theirs on theirs.insee_code = mine.insee_code
            join territories self on self.id = mine.territory_id
            join territories other on other.id = theirs.territory_id and other.phase <> self.phase
            group by 1, 2)
        select count(*) from ((select * from computed except select * from territory_links)
                              union all
                              (select * from territory_links except select * from computed)) differences
        """;

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
