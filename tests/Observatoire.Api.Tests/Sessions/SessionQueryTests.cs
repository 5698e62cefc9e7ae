using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Observatoire.Api.Tests.Reading;

namespace Observatoire.Api.Tests.Sessions;

public sealed class SessionQueryTests
{
    private readonly HttpClient _anonymous = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _anonymous.Dispose();

    private static List<string?> Ids(IEnumerable<JsonNode> items) => items.Select(i => (string?)i["id"]).ToList();

    /// <summary>A session of <paramref name="territory"/> with this date, title and format.</summary>
    private static async Task<JsonNode> NewSession(string territory, string? date, string title = "Séance d'essai", string format = "territorial",
        object[]? speakers = null, string? partner = null, string? precision = null)
    {
        var request = Records.Session(Records.FreshNumber(), date, territory, partnerActorId: partner, speakers: speakers);
        request["title"] = title;
        request["format"] = format;
        if (precision is not null) request["datePrecision"] = precision;
        return await Records.Create("sessions", request);
    }

    [Test]
    public async Task From_and_to_keep_the_sessions_held_between_both_days_included()
    {
        var territory = await Records.NewTerritory();
        var first = (string)(await NewSession(territory, "2020-03-01"))["id"]!;
        var middle = (string)(await NewSession(territory, "2020-03-15"))["id"]!;
        var last = (string)(await NewSession(territory, "2020-03-31"))["id"]!;
        await NewSession(territory, "2020-02-29");
        await NewSession(territory, "2020-04-01");
        await NewSession(territory, null);

        var between = await Records.ReadAll(_anonymous, $"/v1/sessions?territory={territory}&from=2020-03-01&to=2020-03-31&limit=2");
        var fromOnly = await Records.ReadAll(_anonymous, $"/v1/territories/{territory}/sessions?from=2020-03-15");
        var toOnly = await Records.ReadAll(_anonymous, $"/v1/sessions?territory={territory}&to=2020-03-01");
        Assert.Multiple(() =>
        {
            Assert.That(Ids(between), Is.EquivalentTo(new[] { first, middle, last }));
            Assert.That(fromOnly, Has.Count.EqualTo(3), "2020-03-15, 2020-03-31 and 2020-04-01: a session without a date never matches");
            Assert.That(fromOnly.All(s => string.CompareOrdinal((string?)s["date"], "2020-03-15") >= 0));
            Assert.That(toOnly.Select(s => (string?)s["date"]), Is.EquivalentTo(new[] { "2020-02-29", "2020-03-01" }));
        });
    }

    [Test]
    public async Task The_session_format_filter_keeps_the_sessions_of_that_format()
    {
        var territory = await Records.NewTerritory();
        var territorial = (string)(await NewSession(territory, "2020-05-01"))["id"]!;
        var thematic = (string)(await NewSession(territory, "2020-05-02", format: "thematic"))["id"]!;

        var onlyThematic = await Records.ReadAll(_anonymous, $"/v1/sessions?territory={territory}&sessionFormat=thematic");
        var onlyTerritorial = await Records.ReadAll(_anonymous, $"/v1/territories/{territory}/sessions?sessionFormat=territorial");
        Assert.Multiple(() =>
        {
            Assert.That(Ids(onlyThematic), Is.EqualTo(new[] { thematic }));
            Assert.That(Ids(onlyTerritorial), Is.EqualTo(new[] { territorial }));
        });
    }

    [Test]
    public async Task The_speaker_filter_finds_the_sessions_where_that_actor_spoke_not_those_it_only_co_organised()
    {
        var territory = await Records.NewTerritory();
        var actor = await Records.NewOrganisation();
        var spoke = (string)(await NewSession(territory, "2020-06-01", speakers: [new { actorId = actor, role = "intervenant" }]))["id"]!;
        var organised = (string)(await NewSession(territory, "2020-06-02", partner: actor))["id"]!;

        var bySpeaker = await Records.ReadAll(_anonymous, $"/v1/sessions?speaker={actor}");
        var byActor = await Records.ReadAll(_anonymous, $"/v1/actors/{actor}/sessions?territory={territory}");
        Assert.Multiple(() =>
        {
            Assert.That(Ids(bySpeaker), Is.EqualTo(new[] { spoke }));
            Assert.That(Ids(byActor), Is.EquivalentTo(new[] { spoke, organised }));
        });
    }

    [TestCase("st nazaire", "seance-03")]
    [TestCase("Saint-Nazaire", "seance-03")]
    [TestCase("CHALON", "seance-09")]
    [TestCase("albatre", "seance-07")]
    [TestCase("energie", "seance-07")]
    [TestCase("ecole des mines", "seance-01")]
    public async Task French_search_finds_sessions_whatever_the_case_accents_hyphens_and_saint(string q, string expected)
    {
        var items = await Records.ReadAll(_anonymous, $"/v1/sessions?q={Uri.EscapeDataString(q)}");
        Assert.That(Ids(items), Does.Contain(expected));
    }

    [Test]
    public async Task A_search_on_a_relation_route_stays_within_it()
    {
        var territory = await Records.NewTerritory();
        var match = (string)(await NewSession(territory, "2020-07-01", "Essai des turbines Zéphyrine"))["id"]!;
        await NewSession(territory, "2020-07-02", "Essai des nacelles");

        var items = await Records.ReadAll(_anonymous, $"/v1/territories/{territory}/sessions?q=zephyrine&sort=-relevance,date");
        Assert.That(Ids(items), Is.EqualTo(new[] { match }));
    }

    [Test]
    public async Task Sorting_by_descending_date_then_title_pages_in_that_order_with_undated_sessions_first()
    {
        var territory = await Records.NewTerritory();
        var created = new List<(string Id, string? Date, string Title)>();
        foreach (var (date, title) in new[]
                 {
                     ("2020-01-10", "Bêta"), ("2020-01-10", "Alpha"), ("2021-05-05", "Gamma"), (null, "Delta"), ("2019-12-31", "Epsilon"), (null, "Alpha"),
                 })
        {
            var session = await NewSession(territory, date, title);
            created.Add(((string)session["id"]!, date, title));
        }

        var items = await Records.ReadAll(_anonymous, $"/v1/sessions?territory={territory}&sort=-date,title&limit=2");
        // Undated sessions sort as if after every date: first when descending.
        var expected = created
            .OrderByDescending(s => s.Date ?? "9999-99-99", StringComparer.Ordinal)
            .ThenBy(s => s.Title, StringComparer.Ordinal)
            .Select(s => s.Id)
            .ToList();
        Assert.That(Ids(items), Is.EqualTo(expected));

        var ascending = await Records.ReadAll(_anonymous, $"/v1/territories/{territory}/sessions?sort=date&limit=4");
        Assert.That(ascending.Select(s => (string?)s["date"]).ToList(), Is.EqualTo(new[] { "2019-12-31", "2020-01-10", "2020-01-10", "2021-05-05", null, null }));
    }

    [Test]
    public async Task Sorting_by_title_breaks_ties_by_id_across_pages()
    {
        var territory = await Records.NewTerritory();
        var ids = new List<string>();
        for (var i = 0; i < 4; i++) ids.Add((string)(await NewSession(territory, "2020-08-01", "Même titre"))["id"]!);

        var items = await Records.ReadAll(_anonymous, $"/v1/sessions?territory={territory}&sort=-title&limit=1");
        Assert.That(Ids(items), Is.EqualTo(ids.Order(StringComparer.Ordinal)));
    }

    [TestCase("colour=blue", "colour")]
    [TestCase("from=2020-13-01", "from")]
    [TestCase("to=yesterday", "to")]
    [TestCase("from=2020-05-01&to=2020-04-30", "to")]
    [TestCase("sessionFormat=webinar", "sessionFormat")]
    [TestCase("updatedSince=2020-01-01", "updatedSince")]
    [TestCase("q=%20-%20", "q")]
    [TestCase("sort=population", "sort")]
    [TestCase("sort=relevance", "sort")]
    [TestCase("format=geojson", "format")]
    [TestCase("format=csv&delimiter=x", "delimiter")]
    public async Task An_unknown_filter_or_a_bad_value_is_a_problem_naming_the_parameter(string query, string parameter)
    {
        await (await _anonymous.GetAsync($"/v1/sessions?{query}")).ShouldBeValidationProblem(parameter);
        await (await _anonymous.GetAsync($"/v1/territories/2018-ti5209/sessions?{query}")).ShouldBeValidationProblem(parameter);
        await (await _anonymous.GetAsync($"/v1/actors/person-016/sessions?{query}")).ShouldBeValidationProblem(parameter);
    }

    [Test]
    public async Task A_relation_route_refuses_the_filter_its_path_already_fixes()
    {
        await (await _anonymous.GetAsync("/v1/territories/2018-ti5209/sessions?territory=2018-ti2702")).ShouldBeValidationProblem("territory");
        await (await _anonymous.GetAsync("/v1/actors/person-016/sessions?speaker=person-017")).ShouldBeValidationProblem("speaker");
    }

    [Test]
    public async Task The_total_comes_only_when_asked_for_and_says_so()
    {
        var territory = await Records.NewTerritory();
        for (var i = 0; i < 3; i++) await NewSession(territory, "2020-09-01");

        var plain = await (await _anonymous.GetAsync($"/v1/sessions?territory={territory}&limit=1")).JsonBody();
        Assert.That(plain.AsObject().ContainsKey("total"), Is.False);

        foreach (var url in new[] { $"/v1/sessions?territory={territory}&limit=1", $"/v1/territories/{territory}/sessions?limit=1" })
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Add("Prefer", "count=exact");
            var counted = await _anonymous.SendAsync(request);
            Assert.Multiple(async () =>
            {
                Assert.That((long?)(await counted.JsonBody())["total"], Is.EqualTo(3), url);
                Assert.That(counted.Headers.GetValues("Preference-Applied").Single(), Is.EqualTo("count=exact"));
            });
        }
    }

    [Test]
    public async Task UpdatedSince_lists_only_the_sessions_changed_after_that_instant()
    {
        var territory = await Records.NewTerritory();
        var earlier = await NewSession(territory, "2020-10-01");
        var later = await NewSession(territory, "2020-10-02");
        var since = Uri.EscapeDataString(((DateTime)earlier["updatedAt"]!).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));

        var items = await Records.ReadAll(_anonymous, $"/v1/sessions?territory={territory}&updatedSince={since}");
        Assert.That(Ids(items), Is.EqualTo(new[] { (string?)later["id"] }));
    }

    [Test]
    public async Task The_csv_export_holds_every_matching_session_as_json_lists_them()
    {
        var territory = await Records.NewTerritory();
        for (var i = 0; i < 3; i++) await NewSession(territory, $"2020-11-0{i + 1}", $"Séance ; n° {i}, « essai »");
        await NewSession(territory, null);

        var json = await Records.ReadAll(_anonymous, $"/v1/sessions?territory={territory}&limit=1");
        var response = await _anonymous.GetAsync($"/v1/sessions?territory={territory}&format=csv&limit=1");
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/territories/{territory}/sessions");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var relation = await _anonymous.SendAsync(request);

        Assert.Multiple(async () =>
        {
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
            Assert.That(relation.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
            Assert.That(await relation.Content.ReadAsStringAsync(), Is.EqualTo(await response.Content.ReadAsStringAsync()));
        });
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var rows = Csv.Parse(Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3), ';');
        var header = rows[0].ToList();
        Assert.That(header, Is.EqualTo(new[] { "id", "number", "date", "datePrecision", "title", "format", "territoryId", "updatedAt", "version" }));
        Assert.That(rows.Skip(1).Select(r => r[0]), Is.EqualTo(Ids(json)), "every session, unpaged, in the list's order");
        for (var i = 0; i < json.Count; i++)
        {
            var csv = rows[i + 1];
            Assert.Multiple(() =>
            {
                Assert.That(csv[header.IndexOf("title")], Is.EqualTo((string?)json[i]["title"]));
                Assert.That(csv[header.IndexOf("date")], Is.EqualTo((string?)json[i]["date"] ?? ""));
                Assert.That(csv[header.IndexOf("number")], Is.EqualTo(((int?)json[i]["number"])?.ToString(CultureInfo.InvariantCulture)));
                Assert.That(csv[header.IndexOf("territoryId")], Is.EqualTo(territory));
            });
        }
    }

    [Test]
    public async Task Exports_of_an_unknown_territory_or_actor_are_404_problems()
    {
        await (await _anonymous.GetAsync("/v1/territories/2018-ti0000/sessions?format=csv")).ShouldBeProblem(404);
        await (await _anonymous.GetAsync("/v1/actors/no-such-actor/sessions?format=ics")).ShouldBeProblem(404);
        await (await _anonymous.GetAsync("/v1/actors/no-such-actor/sessions")).ShouldBeProblem(404);
    }

    [TestCase("/v1/sessions.ics")]
    [TestCase("/v1/sessions?format=csv")]
    [TestCase("/v1/territories/2018-ti5209/sessions")]
    [TestCase("/v1/actors/person-016/sessions")]
    public async Task Session_reads_carry_validators_and_an_unchanged_one_answers_304(string url)
    {
        var first = await _anonymous.GetAsync(url);
        Assert.Multiple(() =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(first.Headers.ETag, Is.Not.Null);
            Assert.That(first.Content.Headers.LastModified, Is.Not.Null);
        });
        // Any writing transaction moves the snapshot behind the ETag: retry with the newest one.
        var etag = first.Headers.ETag!;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.IfNoneMatch.Add(etag);
            var again = await _anonymous.SendAsync(request);
            if (again.StatusCode == HttpStatusCode.NotModified)
            {
                Assert.That(await again.Content.ReadAsStringAsync(), Is.Empty);
                return;
            }
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            etag = again.Headers.ETag!;
        }
        Assert.Fail("If-None-Match with the current ETag never answered 304.");
    }
}
