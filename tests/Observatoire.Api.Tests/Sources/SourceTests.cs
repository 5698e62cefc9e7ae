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
