using System.Net;

namespace Observatoire.Api.Tests.Actors;

public sealed class ActorTests
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
    public async Task Creating_an_organisation_answers_201_with_its_territories_and_sources()
    {
        var territory = await Records.NewTerritory();
        var source = await Records.NewSource();
        var request = Records.Organisation([territory], [source]);
        var response = await _writer.PostJson("/v1/actors", request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var created = await response.JsonBody();
        var id = (string)request["id"]!;
        Assert.Multiple(() =>
        {
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/v1/actors/{id}"));
            Assert.That((string?)created["id"], Is.EqualTo(id));
            Assert.That((string?)created["type"], Is.EqualTo("organisation"));
            Assert.That((string?)created["category"], Is.EqualTo("research_and_training"));
            Assert.That((string?)created["name"], Is.EqualTo(request["name"]));
            Assert.That((string?)created["website"], Is.EqualTo("https://example.org/"));
            Assert.That(created["territories"].Ids(), Is.EqualTo(new[] { territory }));
            Assert.That((string?)created["territories"]![0]!["phase"], Is.EqualTo("2023-2027"));
            Assert.That(created["sources"].Ids(), Is.EqualTo(new[] { source }));
            Assert.That(created["sessionIds"]!.AsArray(), Is.Empty);
            Assert.That((long?)created["version"], Is.EqualTo(1));
        });
        var read = await (await _anonymous.GetAsync($"/v1/actors/{id}")).JsonBody();
        Assert.That(read.ToJsonString(), Is.EqualTo(created.ToJsonString()));
    }

    [Test]
    public async Task An_organisation_without_an_id_gets_one_from_its_name()
    {
        var request = Records.Organisation();
        request.Remove("id");
        request["name"] = $"Société d'Encouragement {Guid.NewGuid():N}"[..32];
        var created = await Records.Create("actors", request);
        Assert.That((string?)created["id"], Does.StartWith("societe-d-encouragement-"));
    }

    [Test]
    public async Task A_person_gets_an_opaque_id_that_does_not_carry_the_name()
    {
        var created = await Records.Create("actors", Records.Person("Marie Essai"));
        var id = (string)created["id"]!;
        Assert.Multiple(() =>
        {
            Assert.That(id, Does.Match("^person-[a-z2-7]{10}$"));
            Assert.That(id, Does.Not.Contain("marie").And.Not.Contain("essai"));
            Assert.That((string?)created["name"], Is.EqualTo("Marie Essai"));
            Assert.That(created["website"], Is.Null);
        });
    }

    [Test]
    public async Task A_person_with_a_chosen_id_or_a_website_is_refused()
    {
        var request = Records.Person("Paul Essai");
        request["id"] = "paul-essai";
        request["website"] = "https://paul.example.org/";
        var body = await (await _writer.PostJson("/v1/actors", request)).ShouldBeValidationProblem("id", "website");
        Assert.That(body["errors"]!["website"]![0]!.ToString(), Does.Contain("no contact details"));
    }

    [Test]
    public async Task Deleting_a_person_leaves_a_tombstone_with_no_personal_data()
    {
        var name = $"Zoé Tombe{Guid.NewGuid():N}"[..16];
        var id = await Records.CreateId("actors", Records.Person(name));

        Assert.That((await _writer.DeleteAsync($"/v1/actors/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await (await _anonymous.GetAsync($"/v1/actors/{id}")).ShouldBeProblem(404);
        Assert.Multiple(async () =>
        {
            Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from tombstones where entity = 'actors' and id = $1", id), Is.EqualTo(1));
            Assert.That(await TestApi.Database.ScalarAsync<string>(
                "select concat_ws('|', entity, id) from tombstones where entity = 'actors' and id = $1", id), Is.EqualTo($"actors|{id}"));
            Assert.That(await TestApi.Database.ScalarAsync<long>(
                "select count(*) from tombstones t where position(lower($1) in lower(t::text)) > 0", name.Split(' ')[1]), Is.Zero);
            Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from actors where name = $1", name), Is.Zero);
        });
    }

    [Test]
    public async Task Actors_filter_by_territory_and_type_and_page_through_in_id_order()
    {
        var territory = await Records.NewTerritory();
        var organisations = new[] { await Records.NewOrganisation([territory]), await Records.NewOrganisation([territory]) };
        var person = await Records.CreateId("actors", Records.Person("Jeanne Filtre", [territory]));
        await Records.NewOrganisation();

        var all = await Records.ReadAll(_anonymous, $"/v1/actors?territory={territory}&limit=1");
        var persons = await Records.ReadAll(_anonymous, $"/v1/actors?territory={territory}&type=person");
        var relation = await Records.ReadAll(_anonymous, $"/v1/territories/{territory}/actors?type=organisation&limit=1");
        Assert.Multiple(() =>
        {
            Assert.That(all.Select(a => (string?)a["id"]), Is.EqualTo(organisations.Append(person).Order(StringComparer.Ordinal)));
            Assert.That(persons.Select(a => (string?)a["id"]), Is.EqualTo(new[] { person }));
            Assert.That(relation.Select(a => (string?)a["id"]), Is.EqualTo(organisations.Order(StringComparer.Ordinal)));
            Assert.That(all[0].AsObject().ContainsKey("territories"), Is.False, "list rows stay light");
        });
    }

    [Test]
    public async Task The_whole_collection_pages_through_once_in_id_order()
    {
        var ids = (await Records.ReadAll(_anonymous, "/v1/actors?limit=13")).Select(a => (string)a["id"]!).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(ids, Is.Unique);
            Assert.That(ids, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
            Assert.That(ids, Does.Contain("fc-lab").And.Contain("person-001"));
        });
    }

    [TestCase("type", "robot")]
    [TestCase("limit", "0")]
    [TestCase("cursor", "nope")]
    public async Task A_bad_filter_is_a_problem_naming_it(string parameter, string value)
    {
        await (await _anonymous.GetAsync($"/v1/actors?{parameter}={value}")).ShouldBeValidationProblem(parameter);
        await (await _anonymous.GetAsync($"/v1/territories/2018-ti2707/actors?{parameter}={value}")).ShouldBeValidationProblem(parameter);
    }

    [Test]
    public async Task The_actors_of_an_unknown_territory_are_a_404_problem()
    {
        var body = await (await _anonymous.GetAsync("/v1/territories/2018-ti0000/actors")).ShouldBeProblem(404);
        Assert.That((string?)body["detail"], Does.Contain("2018-ti0000"));
    }

    [Test]
    public async Task An_unknown_actor_is_a_404_problem()
    {
        await (await _anonymous.GetAsync("/v1/actors/no-such-actor")).ShouldBeProblem(404);
        await (await _anonymous.GetAsync("/v1/actors/no-such-actor/sessions")).ShouldBeProblem(404);
    }

    [Test]
    public async Task An_empty_body_names_every_missing_field()
    {
        await (await _writer.PostAsync("/v1/actors", HttpAssertions.RawJson("{}"))).ShouldBeValidationProblem("type", "category", "name");
    }

    [Test]
    public async Task Bad_values_are_named_by_their_field()
    {
        var request = Records.Organisation();
        request["category"] = "wizard";
        request["website"] = "example.org";
        request["name"] = new string('x', 201);
        request["territoryIds"] = new[] { "2018-ti2707", "2018-ti2707" };
        await (await _writer.PostJson("/v1/actors", request)).ShouldBeValidationProblem("category", "website", "name", "territoryIds");
    }

    [Test]
    public async Task Unknown_territories_and_sources_are_named_and_nothing_is_written()
    {
        var request = Records.Organisation(["2018-ti0000"], ["no-such-source"]);
        var body = await (await _writer.PostJson("/v1/actors", request)).ShouldBeValidationProblem("territoryIds", "sourceIds");
        Assert.That(body["errors"]!["territoryIds"]![0]!.ToString(), Does.Contain("2018-ti0000"));
        await (await _anonymous.GetAsync($"/v1/actors/{request["id"]}")).ShouldBeProblem(404);
    }

    [Test]
    public async Task Replacing_an_actor_replaces_its_territories_and_increments_its_version()
    {
        var first = await Records.NewTerritory();
        var second = await Records.NewTerritory();
        var id = await Records.NewOrganisation([first]);
        var replacement = Records.Organisation([second], id: id);
        replacement["name"] = "Nouveau nom";
        replacement["website"] = null;

        var response = await _writer.PutJson($"/v1/actors/{id}", replacement);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var body = await response.JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That((string?)body["name"], Is.EqualTo("Nouveau nom"));
            Assert.That(body["website"], Is.Null);
            Assert.That(body["territories"].Ids(), Is.EqualTo(new[] { second }));
            Assert.That((long?)body["version"], Is.EqualTo(2));
        });
        var formerTerritory = await (await _anonymous.GetAsync($"/v1/territories/{first}/actors")).JsonBody();
        Assert.That(formerTerritory["items"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task Replacing_cannot_change_an_actors_type_or_id()
    {
        var id = await Records.NewOrganisation();
        var person = Records.Person("Type Changé");
        var body = await (await _writer.PutJson($"/v1/actors/{id}", person)).ShouldBeValidationProblem("type");
        Assert.That(body["errors"]!["type"]![0]!.ToString(), Does.Contain("cannot change"));
        await (await _writer.PutJson($"/v1/actors/{id}", Records.Organisation())).ShouldBeValidationProblem("id");
    }

    [Test]
    public async Task Deleting_an_organisation_answers_204_leaves_a_tombstone_and_frees_its_territory()
    {
        var territory = await Records.NewTerritory();
        var id = await Records.NewOrganisation([territory]);
        // While the actor acts in the territory, the territory cannot go.
        var refused = await (await _writer.DeleteAsync($"/v1/territories/{territory}")).ShouldBeProblem(409);
        Assert.That(refused["referencedBy"]!.AsArray().Select(r => (string?)r!["id"]), Is.EqualTo(new[] { id }));

        Assert.That((await _writer.DeleteAsync($"/v1/actors/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from tombstones where entity = 'actors' and id = $1", id), Is.EqualTo(1));
        await (await _writer.DeleteAsync($"/v1/actors/{id}")).ShouldBeProblem(404);
        Assert.That((await _writer.DeleteAsync($"/v1/territories/{territory}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task Deleting_an_actor_that_records_refer_to_is_a_409_problem_listing_them()
    {
        var territory = await Records.NewTerritory();
        var actor = await Records.NewOrganisation();
        var resource = await Records.CreateId("resources", Records.Resource(territory, actorIds: [actor]));
        var project = await Records.CreateId("projects", Records.Project(territory, actorIds: [actor]));
        var spoken = await Records.CreateId("sessions", Records.Session(Records.FreshNumber(), speakers: [new { actorId = actor, role = "intervenant" }]));
        var partnered = await Records.CreateId("sessions", Records.Session(Records.FreshNumber(), partnerActorId: actor));

        var body = await (await _writer.DeleteAsync($"/v1/actors/{actor}")).ShouldBeProblem(409);
        var referencedBy = body["referencedBy"]!.AsArray().Select(r => ((string?)r!["collection"], (string?)r["id"])).ToList();
        Assert.That(referencedBy, Is.EquivalentTo(new[]
        {
            ("projects", project), ("resources", resource), ("sessions", spoken), ("sessions", partnered),
        }));
        var read = await (await _anonymous.GetAsync($"/v1/actors/{actor}")).JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That(read["resourceIds"].Strings(), Is.EqualTo(new[] { resource }));
            Assert.That(read["projectIds"].Strings(), Is.EqualTo(new[] { project }));
            Assert.That(read["sessionIds"].Strings(), Is.EquivalentTo(new[] { spoken, partnered }));
        });
    }
}
