using System.Net;
using System.Text.Json.Nodes;

namespace Observatoire.Api.Tests.Search;

public sealed class SearchTests
{
    private readonly HttpClient _anonymous = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _anonymous.Dispose();

    private static List<(string? Type, string? Id)> Keys(IEnumerable<JsonNode> hits) => hits.Select(h => ((string?)h["type"], (string?)h["id"])).ToList();

    [TestCase("saint nazaire", "territories", "2018-ti5209")]
    [TestCase("saint nazaire", "sessions", "seance-03")]
    [TestCase("St-Nazaire", "territories", "2018-ti5209")]
    [TestCase("St-Nazaire", "sessions", "seance-03")]
    [TestCase("SAINT-NAZAIRE", "territories", "2023-ti-5214")]
    [TestCase("Chalon", "territories", "2018-ti2702")]
    [TestCase("Chalon", "sessions", "seance-09")]
    [TestCase("orly", "territories", "2018-ti1104")]
    [TestCase("orly", "sessions", "seance-06")]
    [TestCase("albatre", "sessions", "seance-07")]
    [TestCase("franche comte", "territories", "2018-ti2707")]
    public async Task Search_finds_records_of_every_collection_whatever_the_case_accents_hyphens_and_saint(string q, string type, string id)
    {
        var hits = await Records.ReadAll(_anonymous, $"/v1/search?q={Uri.EscapeDataString(q)}&limit=200");
        Assert.That(Keys(hits), Does.Contain(((string?)type, (string?)id)));
    }

    [Test]
    public async Task An_accent_free_query_finds_an_accented_title_and_marks_the_word_in_its_snippet()
    {
        var page = await (await _anonymous.GetAsync("/v1/search?q=albatre")).JsonBody();
        var hit = page["items"]!.AsArray().Single(h => (string?)h!["id"] == "seance-07")!;
        Assert.Multiple(() =>
        {
            Assert.That((string?)hit["type"], Is.EqualTo("sessions"));
            Assert.That((string?)hit["title"], Is.EqualTo("Dieppe Côte d'Albâtre fait le plein d'énergie"));
            Assert.That((string?)hit["snippet"], Does.Contain("<mark>Albâtre</mark>"));
            Assert.That((float?)hit["rank"], Is.GreaterThan(0));
            Assert.That((string?)hit["href"], Is.EqualTo("/v1/sessions/seance-07"));
        });
        var record = await (await _anonymous.GetAsync((string)hit["href"]!)).JsonBody();
        Assert.That((string?)record["title"], Is.EqualTo((string?)hit["title"]));
    }

    [Test]
    public async Task Hits_come_best_first_and_page_without_repeats()
    {
        var paged = await Records.ReadAll(_anonymous, "/v1/search?q=grand&limit=3");
        var whole = (await (await _anonymous.GetAsync("/v1/search?q=grand&limit=200")).JsonBody())["items"]!.AsArray().Select(h => h!).ToList();
        var ranks = paged.Select(h => (float)h["rank"]!).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(paged, Has.Count.GreaterThan(6));
            Assert.That(Keys(paged), Is.Unique);
            Assert.That(ranks, Is.Ordered.Descending);
            Assert.That(Keys(paged), Is.EqualTo(Keys(whole)), "the pages put end to end are the whole result");
            Assert.That(paged.Select(h => (string?)h["type"]).Distinct().Count(), Is.GreaterThan(2), "across collections");
        });
    }

    [Test]
    public async Task The_types_filter_keeps_only_those_collections()
    {
        var hits = await Records.ReadAll(_anonymous, "/v1/search?q=nazaire&types=sessions,territories");
        Assert.Multiple(() =>
        {
            Assert.That(hits.Select(h => (string?)h["type"]).Distinct(), Is.EquivalentTo(new[] { "sessions", "territories" }));
            Assert.That(Keys(hits), Does.Contain(((string?)"sessions", (string?)"seance-03")));
        });
    }

    [Test]
    public async Task A_new_record_is_found_at_once_with_its_text_html_escaped_around_the_marks()
    {
        var word = "Zorglubien" + Guid.NewGuid().ToString("N")[..6];
        var request = Records.Session(Records.FreshNumber());
        request["title"] = $"Essai <b>gras</b> & {word} au port";
        var created = await Records.Create("sessions", request);

        var search = new HttpRequestMessage(HttpMethod.Get, $"/v1/search?q={word.ToLowerInvariant()}");
        search.Headers.Add("Prefer", "count=exact");
        var response = await _anonymous.SendAsync(search);
        var page = await response.JsonBody();
        var hit = page["items"]!.AsArray().Single()!;
        var snippet = (string)hit["snippet"]!;
        Assert.Multiple(() =>
        {
            Assert.That((string?)hit["id"], Is.EqualTo((string?)created["id"]));
            Assert.That((string?)hit["title"], Is.EqualTo((string?)created["title"]), "the title is the record's, as it is");
            Assert.That(snippet, Does.Contain($"<mark>{word}</mark>"));
            Assert.That(snippet.Replace("<mark>", "").Replace("</mark>", ""), Does.Not.Contain("<").And.Not.Contain(">"), "only the marks are markup");
            Assert.That((long?)page["total"], Is.EqualTo(1));
            Assert.That(response.Headers.GetValues("Preference-Applied").Single(), Is.EqualTo("count=exact"));
        });
    }

    [TestCase("", "q")]
    [TestCase("q=", "q")]
    [TestCase("q=%20-%20", "q")]
    [TestCase("q=grand&types=sessions,people", "types")]
    [TestCase("q=grand&types=", "types")]
    [TestCase("q=grand&colour=blue", "colour")]
    [TestCase("q=grand&limit=0", "limit")]
    [TestCase("q=grand&cursor=WyIxIl0", "cursor")]
    public async Task A_missing_query_or_a_bad_parameter_is_a_problem_naming_it(string query, string parameter)
    {
        await (await _anonymous.GetAsync($"/v1/search?{query}")).ShouldBeValidationProblem(parameter);
    }

    [Test]
    public async Task A_search_carries_validators_and_an_unchanged_one_answers_304()
    {
        var first = await _anonymous.GetAsync("/v1/search?q=chalon");
        Assert.That(first.Headers.ETag, Is.Not.Null);
        var etag = first.Headers.ETag!;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/v1/search?q=chalon");
            request.Headers.IfNoneMatch.Add(etag);
            var again = await _anonymous.SendAsync(request);
            if (again.StatusCode == HttpStatusCode.NotModified) return;
            etag = again.Headers.ETag!;
        }
        Assert.Fail("If-None-Match with the current ETag never answered 304.");
    }
}
