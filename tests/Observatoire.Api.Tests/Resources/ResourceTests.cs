using System.Net;

namespace Observatoire.Api.Tests.Resources;

public sealed class ResourceTests
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
    public async Task Creating_a_resource_answers_201_with_its_territory_actors_tags_and_sources()
    {
        var territory = await Records.NewTerritory();
        var actor = await Records.NewOrganisation([territory]);
        var source = await Records.NewSource();
        var request = Records.Resource(territory, "network", [actor], [source]);
        var response = await _writer.PostJson("/v1/resources", request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var created = await response.JsonBody();
        var id = (string)request["id"]!;
        Assert.Multiple(() =>
        {
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/v1/resources/{id}"));
            Assert.That((string?)created["kind"], Is.EqualTo("network"));
            Assert.That((string?)created["name"], Is.EqualTo("Port d'essai"));
            Assert.That((string?)created["description"], Is.EqualTo("Un port."));
            Assert.That((string?)created["territory"]!["id"], Is.EqualTo(territory));
            Assert.That((string?)created["territory"]!["code"], Is.EqualTo(territory["2023-".Length..]));
            Assert.That(created["tags"].Strings(), Is.EqualTo(new[] { "port", "logistique" }));
            Assert.That(created["actors"].Ids(), Is.EqualTo(new[] { actor }));
            Assert.That((string?)created["actors"]![0]!["type"], Is.EqualTo("organisation"));
            Assert.That(created["sources"].Ids(), Is.EqualTo(new[] { source }));
            Assert.That(created["projectIds"]!.AsArray(), Is.Empty);
            Assert.That((long?)created["version"], Is.EqualTo(1));
        });
        var read = await (await _anonymous.GetAsync($"/v1/resources/{id}")).JsonBody();
        Assert.That(read.ToJsonString(), Is.EqualTo(created.ToJsonString()));
        var carrier = await (await _anonymous.GetAsync($"/v1/actors/{actor}")).JsonBody();
        Assert.That(carrier["resourceIds"].Strings(), Is.EqualTo(new[] { id }), "the link reads from both sides");
    }

    [Test]
    public async Task Resources_filter_by_territory_and_kind_and_page_through_in_id_order()
    {
        var territory = await Records.NewTerritory();
        var natural = await Records.CreateId("resources", Records.Resource(territory, "natural"));
        var human = await Records.CreateId("resources", Records.Resource(territory, "human"));
        var financial = await Records.CreateId("resources", Records.Resource(territory, "financial"));
        await Records.CreateId("resources", Records.Resource("2018-ti2707", "natural"));

        var all = await Records.ReadAll(_anonymous, $"/v1/resources?territory={territory}&limit=1");
        var naturals = await Records.ReadAll(_anonymous, $"/v1/resources?territory={territory}&kind=natural");
        var relation = await Records.ReadAll(_anonymous, $"/v1/territories/{territory}/resources?limit=2");
        var relationHuman = await Records.ReadAll(_anonymous, $"/v1/territories/{territory}/resources?kind=human");
        Assert.Multiple(() =>
        {
            Assert.That(all.Select(r => (string?)r["id"]), Is.EqualTo(new[] { natural, human, financial }.Order(StringComparer.Ordinal)));
            Assert.That(naturals.Select(r => (string?)r["id"]), Is.EqualTo(new[] { natural }));
            Assert.That(relation.Select(r => (string?)r["id"]), Is.EqualTo(all.Select(r => (string?)r["id"])));
            Assert.That(relationHuman.Select(r => (string?)r["id"]), Is.EqualTo(new[] { human }));
            Assert.That((string?)all[0]["territoryId"], Is.EqualTo(territory));
            Assert.That(all[0].AsObject().ContainsKey("actors"), Is.False, "list rows stay light");
        });
    }

    [Test]
    public async Task The_whole_collection_pages_through_once_in_id_order()
    {
        var ids = (await Records.ReadAll(_anonymous, "/v1/resources?limit=7")).Select(r => (string)r["id"]!).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(ids, Is.Unique);
            Assert.That(ids, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
            Assert.That(ids, Does.Contain("fc-lab-recherche-hydrogene").And.Contain("gisement-gaz-lacq"));
        });
    }

    [TestCase("kind", "magic")]
    [TestCase("limit", "500")]
    [TestCase("cursor", "WyJ4Il0AAAAAAAAAAA")]
    public async Task A_bad_filter_is_a_problem_naming_it(string parameter, string value)
    {
        await (await _anonymous.GetAsync($"/v1/resources?{parameter}={value}")).ShouldBeValidationProblem(parameter);
        await (await _anonymous.GetAsync($"/v1/territories/2018-ti2707/resources?{parameter}={value}")).ShouldBeValidationProblem(parameter);
    }

    [Test]
    public async Task Unknown_resources_and_their_territories_are_404_problems()
    {
        await (await _anonymous.GetAsync("/v1/resources/no-such-resource")).ShouldBeProblem(404);
        var body = await (await _anonymous.GetAsync("/v1/territories/2018-ti0000/resources")).ShouldBeProblem(404);
        Assert.That((string?)body["instance"], Is.EqualTo("/v1/territories/2018-ti0000/resources"));
    }

    [Test]
    public async Task An_empty_body_names_every_missing_field()
    {
        await (await _writer.PostAsync("/v1/resources", HttpAssertions.RawJson("{}"))).ShouldBeValidationProblem("kind", "name", "territoryId");
    }

    [Test]
    public async Task Bad_values_are_named_by_their_field()
    {
        var request = Records.Resource("2018-ti2707", "spiritual");
        request["tags"] = Enumerable.Range(0, 31).Select(i => $"tag{i}").ToArray();
        request["description"] = new string('x', 4001);
        await (await _writer.PostJson("/v1/resources", request)).ShouldBeValidationProblem("kind", "tags", "description");

        var badTag = Records.Resource("2018-ti2707");
        badTag["tags"] = new[] { "port", new string('t', 51) };
        await (await _writer.PostJson("/v1/resources", badTag)).ShouldBeValidationProblem("tags[1]");
    }

    [Test]
    public async Task Unknown_referenced_ids_are_named_by_their_field()
    {
        var request = Records.Resource("2018-ti0000", actorIds: ["fc-lab", "no-such-actor"], sourceIds: ["no-such-source"]);
        var body = await (await _writer.PostJson("/v1/resources", request)).ShouldBeValidationProblem("territoryId", "actorIds", "sourceIds");
        Assert.Multiple(() =>
        {
            Assert.That(body["errors"]!["actorIds"]![0]!.ToString(), Does.Contain("no-such-actor").And.Not.Contain("fc-lab"));
            Assert.That(body["errors"]!["territoryId"]![0]!.ToString(), Does.Contain("2018-ti0000"));
        });
    }

    [Test]
    public async Task Malformed_json_and_wrong_types_are_400_problems()
    {
        var body = await (await _writer.PostAsync("/v1/resources", HttpAssertions.RawJson("{\"kind\": \"natural\""))).ShouldBeProblem(400);
        Assert.That((string?)body["title"], Does.Contain("JSON"));
        var typed = await (await _writer.PostAsync("/v1/resources", HttpAssertions.RawJson("{\"tags\": \"port\"}"))).ShouldBeValidationProblem("tags");
        Assert.That(typed["errors"]!["tags"]![0]!.ToString(), Does.Contain("an array"));
    }

    [Test]
    public async Task Replacing_a_resource_replaces_its_actors_and_increments_its_version()
    {
        var territory = await Records.NewTerritory();
        var first = await Records.NewOrganisation();
        var second = await Records.NewOrganisation();
        var id = await Records.CreateId("resources", Records.Resource(territory, actorIds: [first]));
        var replacement = Records.Resource(territory, "immaterial", [second], id: id);
        replacement["tags"] = Array.Empty<string>();
        replacement["description"] = null;

        var response = await _writer.PutJson($"/v1/resources/{id}", replacement);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var body = await response.JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That((string?)body["kind"], Is.EqualTo("immaterial"));
            Assert.That(body["description"], Is.Null);
            Assert.That(body["tags"]!.AsArray(), Is.Empty);
            Assert.That(body["actors"].Ids(), Is.EqualTo(new[] { second }));
            Assert.That((long?)body["version"], Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Deleting_a_resource_that_a_project_combines_is_a_409_problem_listing_it()
    {
        var territory = await Records.NewTerritory();
        var resource = await Records.CreateId("resources", Records.Resource(territory));
        var project = await Records.CreateId("projects", Records.Project(territory, [resource]));

        var body = await (await _writer.DeleteAsync($"/v1/resources/{resource}")).ShouldBeProblem(409);
        Assert.Multiple(() =>
        {
            Assert.That(body["referencedBy"]!.AsArray().Select(r => ((string?)r!["collection"], (string?)r["id"])), Is.EqualTo(new[] { ("projects", project) }));
            Assert.That((string?)body["detail"], Does.Contain(project));
        });
        var read = await (await _anonymous.GetAsync($"/v1/resources/{resource}")).JsonBody();
        Assert.That(read["projectIds"].Strings(), Is.EqualTo(new[] { project }));
    }
}
