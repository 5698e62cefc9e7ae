using System.Net;

namespace Observatoire.Api.Tests.Sessions;

public sealed class SessionTests
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
    public async Task Creating_a_session_answers_201_with_its_territory_partner_links_speakers_and_sources()
    {
        var territory = await Records.NewTerritory();
        var partner = await Records.NewOrganisation();
        var speaker = await Records.CreateId("actors", Records.Person("Oratrice Essai"));
        var source = await Records.NewSource();
        var number = Records.FreshNumber();
        var request = Records.Session(number, territoryId: territory, partnerActorId: partner,
            speakers: [new { actorId = speaker, role = "maire" }, new { actorId = partner, role = (string?)null }],
            links: [new { kind = "report", url = "https://example.org/compte-rendu", title = "Compte rendu" }, new { kind = "video", url = (string?)null, title = (string?)null }],
            sourceIds: [source]);

        var response = await _writer.PostJson("/v1/sessions", request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var created = await response.JsonBody();
        var id = $"seance-{number}";
        Assert.Multiple(() =>
        {
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/v1/sessions/{id}"));
            Assert.That((string?)created["id"], Is.EqualTo(id), "the id comes from the number");
            Assert.That((int?)created["number"], Is.EqualTo(number));
            Assert.That((string?)created["date"], Is.EqualTo("2020-11-26"));
            Assert.That((string?)created["datePrecision"], Is.EqualTo("day"));
            Assert.That((string?)created["format"], Is.EqualTo("territorial"));
            Assert.That((string?)created["territory"]!["id"], Is.EqualTo(territory));
            Assert.That((string?)created["partner"]!["id"], Is.EqualTo(partner));
            Assert.That((string?)created["location"], Is.EqualTo("Paris"));
            Assert.That(created["links"]!.AsArray().Select(l => ((string?)l!["kind"], (string?)l["url"])),
                Is.EqualTo(new[] { ("report", "https://example.org/compte-rendu"), ("video", (string?)null) }));
            Assert.That(created["speakers"]!.AsArray().Select(s => ((string?)s!["actor"]!["id"], (string?)s["role"])),
                Is.EqualTo(new[] { (speaker, "maire"), (partner, (string?)null) }));
            Assert.That((string?)created["speakers"]![0]!["actor"]!["name"], Is.EqualTo("Oratrice Essai"));
            Assert.That(created["sources"].Ids(), Is.EqualTo(new[] { source }));
            Assert.That((long?)created["version"], Is.EqualTo(1));
        });
        var read = await (await _anonymous.GetAsync($"/v1/sessions/{id}")).JsonBody();
        Assert.That(read.ToJsonString(), Is.EqualTo(created.ToJsonString()));
    }

    [Test]
    public async Task A_session_date_survives_a_write_and_read_exactly()
    {
        var territory = await Records.NewTerritory();
        var id = await Records.CreateId("sessions", Records.Session(Records.FreshNumber(), "2020-11-26", territory));

        var item = await (await _anonymous.GetAsync($"/v1/sessions/{id}")).JsonBody();
        var list = await (await _anonymous.GetAsync($"/v1/sessions?territory={territory}")).JsonBody();
        var stored = await TestApi.Database.ScalarAsync<DateOnly>("select date from sessions where id = $1", id);
        Assert.Multiple(() =>
        {
            Assert.That((string?)item["date"], Is.EqualTo("2020-11-26"));
            Assert.That((string?)list["items"]![0]!["date"], Is.EqualTo("2020-11-26"));
            Assert.That(stored, Is.EqualTo(new DateOnly(2020, 11, 26)));
        });
    }

    [Test]
    public async Task A_session_known_to_the_month_keeps_its_precision()
    {
        var request = Records.Session(Records.FreshNumber(), "2021-01-01");
        request["datePrecision"] = "month";
        var created = await Records.Create("sessions", request);
        var read = await (await _anonymous.GetAsync($"/v1/sessions/{created["id"]}")).JsonBody();
        var listed = await Records.ReadAll(_anonymous, "/v1/sessions?year=2021&limit=50");
        var row = listed.Single(s => (string?)s["id"] == (string?)created["id"]);
        Assert.Multiple(() =>
        {
            Assert.That((string?)read["date"], Is.EqualTo("2021-01-01"));
            Assert.That((string?)read["datePrecision"], Is.EqualTo("month"));
            Assert.That((string?)row["date"], Is.EqualTo("2021-01-01"));
            Assert.That((string?)row["datePrecision"], Is.EqualTo("month"));
        });
    }

    [Test]
    public async Task A_session_with_an_unknown_day_has_no_date_and_no_precision()
    {
        var created = await Records.Create("sessions", Records.Session(date: null));
        Assert.Multiple(() =>
        {
            Assert.That((string?)created["id"], Does.Match("^seance-[a-z2-7]{8}$"));
            Assert.That(created["number"], Is.Null);
            Assert.That(created["date"], Is.Null);
            Assert.That(created["datePrecision"], Is.Null);
        });
    }

    [TestCase("2021-01-15", "month", "date")]
    [TestCase("2021-03-01", "year", "date")]
    [TestCase(null, "day", "datePrecision")]
    [TestCase("2021-01-01", "week", "datePrecision")]
    public async Task A_date_that_does_not_fit_its_precision_is_refused(string? date, string precision, string field)
    {
        var request = Records.Session(Records.FreshNumber(), date);
        request["datePrecision"] = precision;
        await (await _writer.PostJson("/v1/sessions", request)).ShouldBeValidationProblem(field);
    }

    [Test]
    public async Task A_date_that_is_not_a_calendar_date_is_named()
    {
        var body = await (await _writer.PostAsync("/v1/sessions", HttpAssertions.RawJson("{\"title\": \"x\", \"date\": \"2020-11-26T10:00:00Z\"}")))
            .ShouldBeValidationProblem("date");
        Assert.That(body["errors"]!["date"]![0]!.ToString(), Does.Contain("YYYY-MM-DD"));
    }

    [Test]
    public async Task Sessions_are_ordered_by_number_then_id_with_unnumbered_ones_last_across_pages()
    {
        var territory = await Records.NewTerritory();
        var low = Records.FreshNumber();
        var high = Records.FreshNumber();
        var second = await Records.CreateId("sessions", Records.Session(high, territoryId: territory));
        var first = await Records.CreateId("sessions", Records.Session(low, territoryId: territory));
        var unnumbered = new[]
        {
            await Records.CreateId("sessions", Records.Session(territoryId: territory)),
            await Records.CreateId("sessions", Records.Session(territoryId: territory)),
        };

        var expected = new[] { first, second }.Concat(unnumbered.Order(StringComparer.Ordinal));
        var paged = await Records.ReadAll(_anonymous, $"/v1/sessions?territory={territory}&limit=1");
        var relation = await Records.ReadAll(_anonymous, $"/v1/territories/{territory}/sessions?limit=3");
        Assert.Multiple(() =>
        {
            Assert.That(paged.Select(s => (string?)s["id"]), Is.EqualTo(expected));
            Assert.That(relation.Select(s => (string?)s["id"]), Is.EqualTo(expected));
            Assert.That(paged[0].AsObject().ContainsKey("speakers"), Is.False, "list rows stay light");
        });
    }

    [Test]
    public async Task Sessions_filter_by_year()
    {
        var territory = await Records.NewTerritory();
        var in2019 = await Records.CreateId("sessions", Records.Session(Records.FreshNumber(), "2019-12-31", territory));
        var in2020 = await Records.CreateId("sessions", Records.Session(Records.FreshNumber(), "2020-01-01", territory));
        await Records.CreateId("sessions", Records.Session(Records.FreshNumber(), null, territory));

        var year2019 = await Records.ReadAll(_anonymous, $"/v1/sessions?territory={territory}&year=2019");
        var year2020 = await Records.ReadAll(_anonymous, $"/v1/territories/{territory}/sessions?year=2020");
        Assert.Multiple(() =>
        {
            Assert.That(year2019.Select(s => (string?)s["id"]), Is.EqualTo(new[] { in2019 }));
            Assert.That(year2020.Select(s => (string?)s["id"]), Is.EqualTo(new[] { in2020 }));
        });
    }

    [Test]
    public async Task An_actors_sessions_are_those_it_spoke_in_or_co_organised()
    {
        var actor = await Records.NewOrganisation();
        var spoke = await Records.CreateId("sessions", Records.Session(Records.FreshNumber(), speakers: [new { actorId = actor, role = "intervenant" }]));
        var organised = await Records.CreateId("sessions", Records.Session(Records.FreshNumber(), partnerActorId: actor));
        await Records.CreateId("sessions", Records.Session(Records.FreshNumber()));

        var sessions = await Records.ReadAll(_anonymous, $"/v1/actors/{actor}/sessions?limit=1");
        var read = await (await _anonymous.GetAsync($"/v1/actors/{actor}")).JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That(sessions.Select(s => (string?)s["id"]), Is.EquivalentTo(new[] { spoke, organised }));
            Assert.That(read["sessionIds"].Strings(), Is.EquivalentTo(new[] { spoke, organised }));
        });
        var lonely = await Records.NewOrganisation();
        var none = await (await _anonymous.GetAsync($"/v1/actors/{lonely}/sessions")).JsonBody();
        Assert.That(none["items"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task The_whole_collection_pages_through_once_in_order()
    {
        var items = await Records.ReadAll(_anonymous, "/v1/sessions?limit=6");
        var ids = items.Select(s => (string)s["id"]!).ToList();
        var numbers = items.Select(s => (int?)s["number"]).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(ids, Is.Unique);
            Assert.That(ids.Take(15), Is.EqualTo(Enumerable.Range(1, 15).Select(n => $"seance-{n:00}")));
            Assert.That(numbers.TakeWhile(n => n is not null), Is.Ordered);
            Assert.That(numbers.SkipWhile(n => n is not null), Is.All.Null);
        });
    }

    [TestCase("year", "abc")]
    [TestCase("year", "20200")]
    [TestCase("limit", "0")]
    [TestCase("cursor", "WyIxIl0")]
    public async Task A_bad_filter_is_a_problem_naming_it(string parameter, string value)
    {
        await (await _anonymous.GetAsync($"/v1/sessions?{parameter}={value}")).ShouldBeValidationProblem(parameter);
        await (await _anonymous.GetAsync($"/v1/territories/2018-ti2707/sessions?{parameter}={value}")).ShouldBeValidationProblem(parameter);
        await (await _anonymous.GetAsync($"/v1/actors/fc-lab/sessions?{parameter}={value}")).ShouldBeValidationProblem(parameter);
    }

    [Test]
    public async Task Unknown_sessions_and_their_territories_are_404_problems()
    {
        await (await _anonymous.GetAsync("/v1/sessions/seance-00")).ShouldBeProblem(404);
        await (await _anonymous.GetAsync("/v1/territories/2018-ti0000/sessions")).ShouldBeProblem(404);
    }

    [Test]
    public async Task An_empty_body_names_every_missing_field()
    {
        await (await _writer.PostAsync("/v1/sessions", HttpAssertions.RawJson("{}"))).ShouldBeValidationProblem("title", "format");
    }

    [Test]
    public async Task Bad_links_and_speakers_are_named_by_their_json_path()
    {
        var request = Records.Session(Records.FreshNumber(),
            speakers: [new { actorId = "", role = "x" }],
            links: [new { kind = "podcast", url = "ftp://example.org/x", title = (string?)null }]);
        request["format"] = "webinar";
        await (await _writer.PostJson("/v1/sessions", request))
            .ShouldBeValidationProblem("format", "links[0].kind", "links[0].url", "speakers[0].actorId");
    }

    [Test]
    public async Task A_speaker_listed_twice_is_refused()
    {
        var request = Records.Session(Records.FreshNumber(), speakers: [new { actorId = "fc-lab", role = "a" }, new { actorId = "fc-lab", role = "b" }]);
        await (await _writer.PostJson("/v1/sessions", request)).ShouldBeValidationProblem("speakers");
    }

    [Test]
    public async Task Unknown_referenced_ids_are_named_by_their_field()
    {
        var request = Records.Session(Records.FreshNumber(), territoryId: "2018-ti0000", partnerActorId: "no-such-partner",
            speakers: [new { actorId = "fc-lab", role = "a" }, new { actorId = "no-such-speaker", role = "b" }], sourceIds: ["no-such-source"]);
        var body = await (await _writer.PostJson("/v1/sessions", request))
            .ShouldBeValidationProblem("territoryId", "partnerActorId", "speakers[1].actorId", "sourceIds");
        Assert.That(body["errors"]!.AsObject().ContainsKey("speakers[0].actorId"), Is.False);
    }

    [Test]
    public async Task Creating_a_taken_id_or_number_is_a_409_problem_naming_the_holder()
    {
        var number = Records.FreshNumber();
        var id = await Records.CreateId("sessions", Records.Session(number));
        var sameId = await (await _writer.PostJson("/v1/sessions", Records.Session(Records.FreshNumber(), id: id))).ShouldBeProblem(409);
        var sameNumber = await (await _writer.PostJson("/v1/sessions", Records.Session(number, id: Records.FreshId("seance")))).ShouldBeProblem(409);
        Assert.Multiple(() =>
        {
            Assert.That((string?)sameId["existingId"], Is.EqualTo(id));
            Assert.That((string?)sameNumber["existingId"], Is.EqualTo(id));
            Assert.That((string?)sameNumber["detail"], Does.Contain(number.ToString()));
        });
    }

    [Test]
    public async Task Malformed_json_is_a_400_problem()
    {
        var body = await (await _writer.PostAsync("/v1/sessions", HttpAssertions.RawJson("[\"not\", \"an object\"]"))).ShouldBeProblem(400);
        Assert.That((string?)body["title"], Does.Contain("JSON"));
    }

    [Test]
    public async Task Replacing_a_session_replaces_its_speakers_and_links_and_increments_its_version()
    {
        var first = await Records.NewOrganisation();
        var second = await Records.NewOrganisation();
        var number = Records.FreshNumber();
        var id = await Records.CreateId("sessions", Records.Session(number, speakers: [new { actorId = first, role = "a" }],
            links: [new { kind = "report", url = "https://example.org/a", title = "A" }]));
        var replacement = Records.Session(number, "2021-02-02", speakers: [new { actorId = second, role = "b" }],
            links: [new { kind = "minutes", url = (string?)null, title = "Compte rendu à paraître" }]);
        replacement["title"] = "Nouveau titre";

        var response = await _writer.PutJson($"/v1/sessions/{id}", replacement);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var body = await response.JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That((string?)body["title"], Is.EqualTo("Nouveau titre"));
            Assert.That((string?)body["date"], Is.EqualTo("2021-02-02"));
            Assert.That(body["speakers"]!.AsArray().Select(s => (string?)s!["actor"]!["id"]), Is.EqualTo(new[] { second }));
            Assert.That(body["links"]!.AsArray().Select(l => ((string?)l!["kind"], (string?)l["url"])), Is.EqualTo(new[] { ("minutes", (string?)null) }));
            Assert.That((long?)body["version"], Is.EqualTo(2));
        });
        // The former speaker is no longer referred to.
        Assert.That((await _writer.DeleteAsync($"/v1/actors/{first}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task Replacing_with_another_sessions_number_is_a_409_problem()
    {
        var taken = Records.FreshNumber();
        var holder = await Records.CreateId("sessions", Records.Session(taken));
        var id = await Records.CreateId("sessions", Records.Session(Records.FreshNumber()));
        var body = await (await _writer.PutJson($"/v1/sessions/{id}", Records.Session(taken))).ShouldBeProblem(409);
        Assert.That((string?)body["existingId"], Is.EqualTo(holder));
    }

    [Test]
    public async Task Deleting_a_session_takes_its_links_and_speakers_with_it_and_leaves_a_tombstone()
    {
        var speaker = await Records.CreateId("actors", Records.Person("Intervenant Essai"));
        var partner = await Records.NewOrganisation();
        var id = await Records.CreateId("sessions", Records.Session(Records.FreshNumber(), partnerActorId: partner,
            speakers: [new { actorId = speaker, role = "a" }], links: [new { kind = "report", url = "https://example.org/r", title = "R" }],
            sourceIds: [await Records.NewSource()]));

        Assert.That((await _writer.DeleteAsync($"/v1/sessions/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await (await _anonymous.GetAsync($"/v1/sessions/{id}")).ShouldBeProblem(404);
        Assert.Multiple(async () =>
        {
            Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from tombstones where entity = 'sessions' and id = $1", id), Is.EqualTo(1));
            Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from session_links where session_id = $1", id), Is.Zero);
            Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from session_speakers where session_id = $1", id), Is.Zero);
            Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from session_sources where session_id = $1", id), Is.Zero);
        });
        await (await _writer.DeleteAsync($"/v1/sessions/{id}")).ShouldBeProblem(404);
        // Its speaker and partner are free to go.
        Assert.That((await _writer.DeleteAsync($"/v1/actors/{speaker}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await _writer.DeleteAsync($"/v1/actors/{partner}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }
}
