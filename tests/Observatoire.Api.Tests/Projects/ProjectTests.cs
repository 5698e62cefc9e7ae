using System.Net;

namespace Observatoire.Api.Tests.Projects;

public sealed class ProjectTests
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
    public async Task Creating_a_project_answers_201_with_the_resources_and_actors_it_combines()
    {
        var territory = await Records.NewTerritory();
        var resource = await Records.CreateId("resources", Records.Resource(territory, "financial"));
        var actor = await Records.CreateId("actors", Records.Person("Porteur Essai"));
        var source = await Records.NewSource();
        var request = Records.Project(territory, [resource], [actor], [source]);
        var response = await _writer.PostJson("/v1/projects", request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var created = await response.JsonBody();
        var id = (string)request["id"]!;
        Assert.Multiple(() =>
        {
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/v1/projects/{id}"));
            Assert.That((string?)created["name"], Is.EqualTo("Projet d'essai"));
            Assert.That((string?)created["territory"]!["id"], Is.EqualTo(territory));
            Assert.That((string?)created["status"], Is.EqualTo("ouverture annoncée"));
            Assert.That((int?)created["year"], Is.EqualTo(2023));
            Assert.That(created["resources"].Ids(), Is.EqualTo(new[] { resource }));
            Assert.That((string?)created["resources"]![0]!["kind"], Is.EqualTo("financial"));
            Assert.That(created["actors"].Ids(), Is.EqualTo(new[] { actor }));
            Assert.That((string?)created["actors"]![0]!["type"], Is.EqualTo("person"));
            Assert.That(created["sources"].Ids(), Is.EqualTo(new[] { source }));
            Assert.That((long?)created["version"], Is.EqualTo(1));
        });
        var read = await (await _anonymous.GetAsync($"/v1/projects/{id}")).JsonBody();
        Assert.That(read.ToJsonString(), Is.EqualTo(created.ToJsonString()));
        var actorRead = await (await _anonymous.GetAsync($"/v1/actors/{actor}")).JsonBody();
        Assert.That(actorRead["projectIds"].Strings(), Is.EqualTo(new[] { id }), "the link reads from both sides");
    }

    [Test]
    public async Task A_project_without_an_id_gets_one_from_its_name()
    {
        var request = Records.Project("2018-ti2707");
        request.Remove("id");
        request["name"] = $"Gigafactory d'électrolyseurs {Guid.NewGuid():N}"[..40];
        var created = await Records.Create("projects", request);
        Assert.That((string?)created["id"], Does.StartWith("gigafactory-d-electrolyseurs-"));
    }

    [Test]
    public async Task Projects_filter_by_territory_and_page_through_in_id_order()
    {
        var territory = await Records.NewTerritory();
        var ids = new[]
        {
            await Records.CreateId("projects", Records.Project(territory)),
            await Records.CreateId("projects", Records.Project(territory)),
            await Records.CreateId("projects", Records.Project(territory)),
        };
        await Records.CreateId("projects", Records.Project("2018-ti2707"));

        var filtered = await Records.ReadAll(_anonymous, $"/v1/projects?territory={territory}&limit=2");
        var relation = await Records.ReadAll(_anonymous, $"/v1/territories/{territory}/projects?limit=1");
        Assert.Multiple(() =>
        {
            Assert.That(filtered.Select(p => (string?)p["id"]), Is.EqualTo(ids.Order(StringComparer.Ordinal)));
            Assert.That(relation.Select(p => (string?)p["id"]), Is.EqualTo(ids.Order(StringComparer.Ordinal)));
            Assert.That((int?)filtered[0]["year"], Is.EqualTo(2023));
            Assert.That(filtered[0].AsObject().ContainsKey("resources"), Is.False, "list rows stay light");
        });
    }

    [Test]
    public async Task The_whole_collection_pages_through_once_in_id_order()
    {
        var ids = (await Records.ReadAll(_anonymous, "/v1/projects?limit=5")).Select(p => (string)p["id"]!).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(ids, Is.Unique);
            Assert.That(ids, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
            Assert.That(ids, Does.Contain("ecocombust-cordemais").And.Contain("biobearn"));
        });
    }

    [TestCase("limit", "-1")]
    [TestCase("cursor", "bm90LWEtY3Vyc29y")]
    public async Task A_bad_paging_parameter_is_a_problem_naming_it(string parameter, string value)
    {
        await (await _anonymous.GetAsync($"/v1/projects?{parameter}={value}")).ShouldBeValidationProblem(parameter);
        await (await _anonymous.GetAsync($"/v1/territories/2018-ti2707/projects?{parameter}={value}")).ShouldBeValidationProblem(parameter);
    }

    [Test]
    public async Task Unknown_projects_and_their_territories_are_404_problems()
    {
        await (await _anonymous.GetAsync("/v1/projects/no-such-project")).ShouldBeProblem(404);
        await (await _anonymous.GetAsync("/v1/territories/2018-ti0000/projects")).ShouldBeProblem(404);
    }

    [Test]
    public async Task An_empty_body_names_every_missing_field()
    {
        await (await _writer.PostAsync("/v1/projects", HttpAssertions.RawJson("{}"))).ShouldBeValidationProblem("name", "territoryId");
    }

    [Test]
    public async Task Bad_values_are_named_by_their_field()
    {
        var request = Records.Project("2018-ti2707");
        request["year"] = 20230;
        request["status"] = "   ";
        request["resourceIds"] = new[] { "" };
        await (await _writer.PostJson("/v1/projects", request)).ShouldBeValidationProblem("year", "status", "resourceIds[0]");
    }

    [Test]
    public async Task Unknown_referenced_ids_are_named_by_their_field()
    {
        var request = Records.Project("2018-ti2707", ["no-such-resource"], ["no-such-actor"], ["no-such-source"]);
        var body = await (await _writer.PostJson("/v1/projects", request)).ShouldBeValidationProblem("resourceIds", "actorIds", "sourceIds");
        Assert.That(body["errors"]!["resourceIds"]![0]!.ToString(), Does.Contain("no-such-resource"));
    }

    [Test]
    public async Task Malformed_json_and_wrong_types_are_400_problems()
    {
        await (await _writer.PostAsync("/v1/projects", HttpAssertions.RawJson("{\"name\": }"))).ShouldBeProblem(400);
        var typed = await (await _writer.PostAsync("/v1/projects", HttpAssertions.RawJson("{\"year\": \"soon\"}"))).ShouldBeValidationProblem("year");
        Assert.That(typed["errors"]!["year"]![0]!.ToString(), Does.Contain("an integer"));
    }

    [Test]
    public async Task Replacing_a_project_replaces_its_links_and_increments_its_version()
    {
        var territory = await Records.NewTerritory();
        var resource = await Records.CreateId("resources", Records.Resource(territory));
        var actor = await Records.NewOrganisation();
        var id = await Records.CreateId("projects", Records.Project(territory, [resource], [actor]));
        var replacement = Records.Project(territory, id: id);
        replacement["year"] = null;
        replacement["status"] = "abandonné";

        var response = await _writer.PutJson($"/v1/projects/{id}", replacement);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var body = await response.JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That(body["year"], Is.Null);
            Assert.That((string?)body["status"], Is.EqualTo("abandonné"));
            Assert.That(body["resources"]!.AsArray(), Is.Empty);
            Assert.That(body["actors"]!.AsArray(), Is.Empty);
            Assert.That((long?)body["version"], Is.EqualTo(2));
        });
        // Nothing refers to the resource any more: it can go.
        Assert.That((await _writer.DeleteAsync($"/v1/resources/{resource}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task Deleting_a_project_answers_204_leaves_a_tombstone_and_frees_what_it_combined()
    {
        var territory = await Records.NewTerritory();
        var resource = await Records.CreateId("resources", Records.Resource(territory));
        var id = await Records.CreateId("projects", Records.Project(territory, [resource]));

        Assert.That((await _writer.DeleteAsync($"/v1/projects/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await (await _anonymous.GetAsync($"/v1/projects/{id}")).ShouldBeProblem(404);
        Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from tombstones where entity = 'projects' and id = $1", id), Is.EqualTo(1));
        await (await _writer.DeleteAsync($"/v1/projects/{id}")).ShouldBeProblem(404);
        Assert.That((await _writer.DeleteAsync($"/v1/resources/{resource}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }
}
