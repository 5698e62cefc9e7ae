using System.Net;

namespace Observatoire.Api.Tests.Territories;

/// <summary>What a territory page needs beyond the territory itself: its sources, figures and the records linked to it.</summary>
public sealed class TerritoryKnowledgeTests
{
    private readonly HttpClient _writer = TestApi.Writer();
    private readonly HttpClient _anonymous = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose()
    {
        _writer.Dispose();
        _anonymous.Dispose();
    }

    [Test]
    public async Task A_territory_written_with_sources_serves_them_and_a_replace_changes_them()
    {
        var first = await Records.NewSource();
        var second = await Records.NewSource();
        var code = TerritoryRequests.FreshCode2023();
        var id = TerritoryRequests.IdOf(code);
        var request = TerritoryRequests.Valid(code);
        request["sourceIds"] = new[] { first };
        var created = await Records.Create("territories", request);
        Assert.That(created["sources"].Ids(), Is.EqualTo(new[] { first }));
        Assert.That(created["figures"]!.AsArray(), Is.Empty);

        request["sourceIds"] = new[] { second };
        var replaced = await (await _writer.PutJson($"/v1/territories/{id}", request)).JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That(replaced["sources"].Ids(), Is.EqualTo(new[] { second }));
            Assert.That((long?)replaced["version"], Is.EqualTo(2));
        });
        // The first source is no longer cited.
        Assert.That((await _writer.DeleteAsync($"/v1/sources/{first}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task An_unknown_source_of_a_territory_is_refused()
    {
        var request = TerritoryRequests.Valid(TerritoryRequests.FreshCode2023());
        request["sourceIds"] = new[] { "no-such-source" };
        var body = await (await _writer.PostJson("/v1/territories", request)).ShouldBeValidationProblem("sourceIds");
        Assert.That(body["errors"]!["sourceIds"]![0]!.ToString(), Does.Contain("no-such-source"));
    }

    [Test]
    public async Task Deleting_a_territory_that_records_refer_to_is_a_409_problem_listing_them()
    {
        var territory = await Records.NewTerritory();
        var resource = await Records.CreateId("resources", Records.Resource(territory));
        var project = await Records.CreateId("projects", Records.Project(territory));
        var session = await Records.CreateId("sessions", Records.Session(Records.FreshNumber(), territoryId: territory));
        var figure = await Records.CreateId("figures", Records.Figure(territory));
        var actor = await Records.NewOrganisation([territory]);

        var body = await (await _writer.DeleteAsync($"/v1/territories/{territory}")).ShouldBeProblem(409);
        var referencedBy = body["referencedBy"]!.AsArray().Select(r => ((string?)r!["collection"], (string?)r["id"])).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(referencedBy, Is.EquivalentTo(new[]
            {
                ("actors", actor), ("figures", figure), ("projects", project), ("resources", resource), ("sessions", session),
            }));
            Assert.That((string?)body["detail"], Does.Contain(territory).And.Contain("5 records"));
        });
        Assert.That((await _anonymous.GetAsync($"/v1/territories/{territory}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_studied_territory_serves_its_key_figures_and_sources()
    {
        var body = await (await _anonymous.GetAsync("/v1/territories/2018-ti2707")).JsonBody();
        var figures = body["figures"]!.AsArray();
        var seeded = figures.Single(f => (string?)f!["id"] == "nord-franche-comte-emplois-industriels-2019")!;
        Assert.Multiple(() =>
        {
            Assert.That((string?)seeded["valueText"], Is.EqualTo("plus de 30 000"));
            Assert.That((decimal?)seeded["valueNumeric"], Is.EqualTo(30000m));
            Assert.That((string?)seeded["referenceDate"], Is.EqualTo("2019"));
            Assert.That(seeded["sources"].Ids(), Is.EqualTo(new[] { "123dok-liste-seminaires" }));
            Assert.That(body["sources"].Ids(), Does.Contain("signaux-faibles-datapi-terrind-2020-10-15"));
        });
    }

    [Test]
    public async Task The_successor_of_a_studied_territory_reaches_its_facts_through_its_predecessor()
    {
        var successor = await (await _anonymous.GetAsync("/v1/territories/2023-ti-2708")).JsonBody();
        var predecessor = (string)successor["predecessors"]![0]!["id"]!;
        var resources = await (await _anonymous.GetAsync($"/v1/territories/{predecessor}/resources")).JsonBody();
        var sessions = await (await _anonymous.GetAsync($"/v1/territories/{predecessor}/sessions")).JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That(predecessor, Is.EqualTo("2018-ti2707"));
            Assert.That(successor["sources"].Ids(), Does.Contain("anct-carto-superposeur-anct-ti-geom-2024"));
            Assert.That(resources["items"].Ids(), Does.Contain("fc-lab-recherche-hydrogene"));
            Assert.That(sessions["items"].Ids(), Does.Contain("seance-02"));
        });
    }
}
