using System.Net;
using System.Text.Json.Nodes;

namespace Observatoire.Api.Tests.Territories;

public sealed class TerritoryReadTests
{
    private readonly HttpClient _client = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    [Test]
    public async Task A_territory_answers_with_its_phase_code_regions_groupings_and_successor()
    {
        var response = await _client.GetAsync("/v1/territories/2018-ti2707");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await response.JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That((string?)body["id"], Is.EqualTo("2018-ti2707"));
            Assert.That((string?)body["phase"], Is.EqualTo("2018-2022"));
            Assert.That((string?)body["code"], Is.EqualTo("TI2707"));
            Assert.That((string?)body["name"], Is.EqualTo("Nord Franche-Comté"));
            Assert.That((string?)body["regions"]![0]!["name"], Is.EqualTo("Bourgogne-Franche-Comté"));
            Assert.That(body["departments"]!.AsArray().Select(d => (string?)d), Is.EqualTo(new[] { "25", "70", "90" }));
            Assert.That((int?)body["communeCount"], Is.EqualTo(196));
            Assert.That((bool?)body["studied"], Is.True);
            Assert.That(body["groupings"]!.AsArray().Select(g => (string?)g!["siren"]), Does.Contain("200069052"));
            Assert.That((double?)body["point"]!["latitude"], Is.InRange(47.0, 48.0));
            Assert.That(body["predecessors"]!.AsArray(), Is.Empty);
            Assert.That((string?)body["successors"]![0]!["id"], Is.EqualTo("2023-ti-2708"));
            Assert.That((long?)body["version"], Is.GreaterThanOrEqualTo(1));
        });
    }

    [TestCase("2023-ti-2708", new[] { "27" }, new[] { "25", "70", "90" })]
    [TestCase("2018-ti7505", new[] { "75", "76" }, new[] { "64", "65" })]
    [TestCase("2023-ti-0101", new[] { "01" }, new[] { "971" })]
    public async Task Regions_and_departments_of_both_phases_are_lists_of_codes(string id, string[] regions, string[] departments)
    {
        var body = await (await _client.GetAsync($"/v1/territories/{id}")).JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That(body["regions"]!.AsArray().Select(r => (string?)r!["code"]), Is.EqualTo(regions));
            Assert.That(body["regions"]!.AsArray().Select(r => (string?)r!["name"]), Has.None.Null);
            Assert.That(body["departments"]!.AsArray().Select(d => (string?)d), Is.EqualTo(departments));
        });
    }

    [Test]
    public async Task A_programme_code_reused_across_phases_names_two_different_territories()
    {
        var phase1 = await (await _client.GetAsync("/v1/territories?phase=2018-2022&code=TI2707")).JsonBody();
        var phase2 = await (await _client.GetAsync("/v1/territories?phase=2023-2027&code=ti-2707")).JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That(phase1["items"]!.AsArray().Select(i => (string?)i!["name"]), Is.EqualTo(new[] { "Nord Franche-Comté" }));
            Assert.That(phase2["items"]!.AsArray().Select(i => (string?)i!["name"]), Is.EqualTo(new[] { "Nevers Val de Loire" }));
            Assert.That((string?)phase2["items"]![0]!["id"], Is.EqualTo("2023-ti-2707"));
        });
    }

    [Test]
    public async Task Merged_territories_are_all_predecessors_of_the_territory_they_became()
    {
        var finistere = await (await _client.GetAsync("/v1/territories/2023-ti-5304")).JsonBody();
        var predecessors = finistere["predecessors"]!.AsArray().Select(p => (string?)p!["id"]).ToList();
        Assert.That(predecessors, Is.SupersetOf(new[] { "2018-ti5305", "2018-ti5307", "2018-ti5308" }));
        Assert.That(finistere["predecessors"]!.AsArray().All(p => (int?)p!["sharedCommunes"] > 0));
    }

    [TestCase("2018-2022", 148)]
    [TestCase("2023-2027", 183)]
    public async Task Following_the_next_links_visits_every_territory_of_a_phase_once_in_order(string phase, int seeded)
    {
        var ids = new List<string>();
        string? next = $"/v1/territories?phase={phase}&limit=17";
        var pages = 0;
        while (next is not null)
        {
            var response = await _client.GetAsync(next);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            var body = await response.JsonBody();
            var items = body["items"]!.AsArray();
            Assert.That(items.Count, Is.LessThanOrEqualTo(17));
            Assert.That(items.All(i => (string?)i!["phase"] == phase));
            ids.AddRange(items.Select(i => (string)i!["id"]!));
            next = (string?)body["links"]!["next"];
            if (next is not null)
            {
                Assert.That(response.Headers.GetValues("Link").Single(), Is.EqualTo($"<{next}>; rel=\"next\""));
            }
            else
            {
                Assert.That(response.Headers.Contains("Link"), Is.False);
            }
            Assert.That(++pages, Is.LessThan(100), "the cursor does not advance");
        }

        // Other tests' territories come and go; the seeded ones must all be visited, and be all there is in the database.
        var seededIds = ids.Where(id => !TerritoryRequests.IsTestId(id)).ToList();
        var inDatabase = (await TestApi.Database.ScalarAsync<string[]>("select array_agg(id) from territories where phase = $1", phase))!
            .Where(id => !TerritoryRequests.IsTestId(id)).Order(StringComparer.Ordinal).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(ids, Is.Unique);
            Assert.That(ids, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
            Assert.That(seededIds, Is.EqualTo(inDatabase));
            Assert.That(seededIds, Has.Count.EqualTo(seeded));
        });
    }

    [Test]
    public async Task A_list_row_stays_light_and_communes_come_from_their_own_route()
    {
        var list = await (await _client.GetAsync("/v1/territories?limit=1")).JsonBody();
        var row = list["items"]![0]!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(row.ContainsKey("communes"), Is.False);
            Assert.That(row.ContainsKey("groupings"), Is.False);
            Assert.That(row.ContainsKey("communeCount"), Is.True);
            Assert.That((int?)list["items"]!.AsArray().Count, Is.EqualTo(1));
        });

        var communes = new List<string>();
        string? next = "/v1/territories/2018-ti2707/communes?limit=150";
        while (next is not null)
        {
            var page = await (await _client.GetAsync(next)).JsonBody();
            communes.AddRange(page["items"]!.AsArray().Select(c => (string)c!["inseeCode"]!));
            next = (string?)page["links"]!["next"];
        }
        Assert.That(communes, Has.Count.EqualTo(196).And.Unique.And.Contains("90010"));
    }

    [Test]
    public async Task The_default_page_has_fifty_items_and_a_next_link()
    {
        var response = await _client.GetAsync("/v1/territories");
        var body = await response.JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That(body["items"]!.AsArray(), Has.Count.EqualTo(50));
            Assert.That((string?)body["links"]!["next"], Does.StartWith("/v1/territories?cursor="));
        });
    }

    [TestCase("0")]
    [TestCase("201")]
    [TestCase("-5")]
    [TestCase("abc")]
    public async Task A_limit_outside_1_to_200_is_a_problem_naming_limit(string limit)
    {
        var response = await _client.GetAsync($"/v1/territories?limit={limit}");
        var body = await response.ShouldBeValidationProblem("limit");
        Assert.That(body["errors"]!["limit"]![0]!.ToString(), Does.Contain("limit"));
    }

    [Test]
    public async Task A_limit_of_200_is_accepted()
    {
        var body = await (await _client.GetAsync("/v1/territories?limit=200")).JsonBody();
        Assert.That(body["items"]!.AsArray(), Has.Count.EqualTo(200));
    }

    [TestCase("not-a-cursor")]
    [TestCase("WyIyMDE4LXRpMDIwMSJdGWbOKmZrwzx")]
    public async Task A_tampered_cursor_is_a_problem_naming_cursor(string cursor)
    {
        var response = await _client.GetAsync($"/v1/territories?cursor={cursor}");
        await response.ShouldBeValidationProblem("cursor");
    }

    [Test]
    public async Task An_unknown_phase_is_a_problem_naming_phase()
    {
        var response = await _client.GetAsync("/v1/territories?phase=2030-2034");
        await response.ShouldBeValidationProblem("phase");
    }

    [Test]
    public async Task An_unknown_territory_is_a_404_problem()
    {
        var body = await (await _client.GetAsync("/v1/territories/2018-ti0000")).ShouldBeProblem(404);
        Assert.That((string?)body["detail"], Does.Contain("2018-ti0000"));
        var communes = await (await _client.GetAsync("/v1/territories/2018-ti0000/communes")).ShouldBeProblem(404);
        Assert.That((string?)communes["instance"], Is.EqualTo("/v1/territories/2018-ti0000/communes"));
    }
}
