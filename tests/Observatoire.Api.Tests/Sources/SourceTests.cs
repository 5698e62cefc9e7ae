using System.Net;

namespace Observatoire.Api.Tests.Sources;

public sealed class SourceTests
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
    public async Task Creating_a_source_answers_201_with_its_location_and_it_reads_back()
    {
        var id = Records.FreshId("source");
        var response = await _writer.PostJson("/v1/sources", Records.Source(id));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var created = await response.JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/v1/sources/{id}"));
            Assert.That((string?)created["id"], Is.EqualTo(id));
            Assert.That((string?)created["url"], Does.StartWith("https://www.la-fabrique.fr/"));
            Assert.That((string?)created["title"], Is.EqualTo("Ces territoires qui cherchent à se réindustrialiser"));
            Assert.That((string?)created["publisher"], Is.EqualTo("La Fabrique de l'industrie"));
            Assert.That((string?)created["seenOn"], Is.EqualTo("2024-05-02"));
            Assert.That((long?)created["version"], Is.EqualTo(1));
        });
        var read = await (await _anonymous.GetAsync($"/v1/sources/{id}")).JsonBody();
        Assert.That(read.ToJsonString(), Is.EqualTo(created.ToJsonString()));
    }

    [Test]
    public async Task A_source_without_an_id_gets_one_from_its_title_and_a_suffix_when_taken()
    {
        var title = $"Rapport d'étude {Guid.NewGuid():N}"[..28];
        var request = Records.Source();
        request.Remove("id");
        request["title"] = title;
        var first = await Records.Create("sources", request);
        var second = await Records.Create("sources", request);
        Assert.Multiple(() =>
        {
            Assert.That((string?)first["id"], Does.StartWith("rapport-d-etude-"));
            Assert.That((string?)second["id"], Does.StartWith((string?)first["id"] + "-"));
        });
    }

    [Test]
    public async Task Sources_page_through_in_id_order_and_include_the_seeded_ones()
    {
        var created = await Records.NewSource();
        var items = await Records.ReadAll(_anonymous, "/v1/sources?limit=9");
        var ids = items.Select(i => (string)i["id"]!).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(ids, Is.Unique);
            Assert.That(ids, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
            Assert.That(ids, Does.Contain(created).And.Contain("la-fabrique-ces-territoires").And.Contain("signaux-faibles-datapi-terrind-2020-10-15"));
        });
    }

    [Test]
    public async Task An_unknown_source_is_a_404_problem()
    {
        var body = await (await _anonymous.GetAsync("/v1/sources/no-such-source")).ShouldBeProblem(404);
        Assert.That((string?)body["detail"], Does.Contain("no-such-source"));
    }

    [Test]
    public async Task An_empty_body_names_the_missing_url()
    {
        await (await _writer.PostAsync("/v1/sources", HttpAssertions.RawJson("{}"))).ShouldBeValidationProblem("url");
    }

    [TestCase("ftp://example.org/file")]
    [TestCase("/relative/path")]
    [TestCase("not a url")]
    public async Task A_url_that_is_not_absolute_http_is_refused(string url)
    {
        var request = Records.Source();
        request["url"] = url;
        await (await _writer.PostJson("/v1/sources", request)).ShouldBeValidationProblem("url");
    }

    [Test]
    public async Task An_id_that_is_not_a_slug_is_refused()
    {
        await (await _writer.PostJson("/v1/sources", Records.Source("Not A Slug"))).ShouldBeValidationProblem("id");
    }

    [Test]
    public async Task Creating_a_taken_id_is_a_409_problem_naming_it()
    {
        var id = await Records.NewSource();
        var body = await (await _writer.PostJson("/v1/sources", Records.Source(id))).ShouldBeProblem(409);
        Assert.That((string?)body["existingId"], Is.EqualTo(id));
    }

    [Test]
    public async Task Writes_without_an_api_key_are_401_problems()
    {
        var id = await Records.NewSource();
        await (await _anonymous.PostJson("/v1/sources", Records.Source())).ShouldBeProblem(401);
        await (await _anonymous.PutJson($"/v1/sources/{id}", Records.Source(id))).ShouldBeProblem(401);
        await (await _anonymous.DeleteAsync($"/v1/sources/{id}")).ShouldBeProblem(401);
        Assert.That((await _anonymous.GetAsync($"/v1/sources/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Malformed_json_is_a_400_problem()
    {
        var body = await (await _writer.PostAsync("/v1/sources", HttpAssertions.RawJson("{\"url\": "))).ShouldBeProblem(400);
        Assert.That((string?)body["title"], Does.Contain("JSON"));
    }

    [Test]
    public async Task A_seen_on_that_is_not_a_date_is_named()
    {
        var body = await (await _writer.PostAsync("/v1/sources", HttpAssertions.RawJson("{\"url\": \"https://example.org\", \"seenOn\": \"yesterday\"}")))
            .ShouldBeValidationProblem("seenOn");
        Assert.That(body["errors"]!["seenOn"]![0]!.ToString(), Does.Contain("YYYY-MM-DD"));
    }

    [Test]
    public async Task Replacing_a_source_increments_its_version()
    {
        var id = await Records.NewSource();
        var replacement = Records.Source(id);
        replacement["title"] = "Nouveau titre";
        replacement["seenOn"] = null;
        var response = await _writer.PutJson($"/v1/sources/{id}", replacement);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var body = await response.JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That((string?)body["title"], Is.EqualTo("Nouveau titre"));
            Assert.That(body["seenOn"], Is.Null);
            Assert.That((long?)body["version"], Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Replacing_an_unknown_source_is_a_404_problem()
    {
        var id = Records.FreshId("source");
        await (await _writer.PutJson($"/v1/sources/{id}", Records.Source(id))).ShouldBeProblem(404);
    }

    [Test]
    public async Task Replacing_cannot_change_the_id_or_break_the_url()
    {
        var id = await Records.NewSource();
        await (await _writer.PutJson($"/v1/sources/{id}", Records.Source(Records.FreshId("source")))).ShouldBeValidationProblem("id");
        var invalid = Records.Source(id);
        invalid["url"] = "";
        await (await _writer.PutJson($"/v1/sources/{id}", invalid)).ShouldBeValidationProblem("url");
        var stored = await (await _anonymous.GetAsync($"/v1/sources/{id}")).JsonBody();
        Assert.That((long?)stored["version"], Is.EqualTo(1));
    }

    [Test]
    public async Task Deleting_an_uncited_source_answers_204_and_leaves_a_tombstone()
    {
        var id = await Records.NewSource();
        Assert.That((await _writer.DeleteAsync($"/v1/sources/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await (await _anonymous.GetAsync($"/v1/sources/{id}")).ShouldBeProblem(404);
        Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from tombstones where entity = 'sources' and id = $1", id), Is.EqualTo(1));
        await (await _writer.DeleteAsync($"/v1/sources/{id}")).ShouldBeProblem(404);
    }

    [Test]
    public async Task Deleting_a_cited_source_is_a_409_problem_listing_the_citing_records()
    {
        var source = await Records.NewSource();
        var territory = await Records.NewTerritory();
        var figure = await Records.CreateId("figures", Records.Figure(territory, [source]));
        var actor = await Records.CreateId("actors", Records.Organisation(sourceIds: [source]));

        var body = await (await _writer.DeleteAsync($"/v1/sources/{source}")).ShouldBeProblem(409);
        var referencedBy = body["referencedBy"]!.AsArray().Select(r => ((string?)r!["collection"], (string?)r["id"])).ToList();
        Assert.That(referencedBy, Is.EquivalentTo(new[] { ("actors", actor), ("figures", figure) }));
        Assert.That((await _anonymous.GetAsync($"/v1/sources/{source}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
