using System.Net;
using Observatoire.Api.Sources;

namespace Observatoire.Api.Tests.Sources;

public sealed class SourceQueryTests
{
    private readonly HttpClient _client = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    private static Dictionary<string, object?> Source(string? title, string? publisher = "La Fabrique de l'industrie", string? seenOn = "2024-05-02")
    {
        var source = Records.Source();
        source["title"] = title;
        source["publisher"] = publisher;
        source["seenOn"] = seenOn;
        return source;
    }

    [TestCase("reindustrialiser", "la-fabrique-ces-territoires")]
    [TestCase("RÉINDUSTRIALISER", "slideshare-ces-territoires")]
    [TestCase("Fabrique de l'industrie", "la-fabrique-ces-territoires")]
    [TestCase("grand-orly seine bievre", "slideshare-grand-orly-seine-bievre")]
    [TestCase("gazette des communes", "gazette-observatoire-2019")]
    public async Task French_search_ignores_case_accents_and_hyphens(string q, string expected)
    {
        var ids = await ListReads.Ids(_client, $"/v1/sources?q={Uri.EscapeDataString(q)}");
        Assert.That(ids, Does.Contain(expected));
    }

    [Test]
    public async Task Search_results_come_best_first_a_match_in_the_title_before_one_in_the_publisher()
    {
        var word = ListReads.FreshWord();
        var inPublisher = await Records.CreateId("sources", Source("Rapport annuel", $"Éditions {word}"));
        var inTitle = await Records.CreateId("sources", Source($"Rapport {word}"));
        Assert.Multiple(async () =>
        {
            Assert.That(await ListReads.Ids(_client, $"/v1/sources?q={word}&limit=1"), Is.EqualTo(new[] { inTitle, inPublisher }));
            Assert.That(await ListReads.Ids(_client, $"/v1/sources?q=saint {word}"), Is.Empty, "every word is required");
        });
    }

    [Test]
    public async Task Sorting_by_publisher_then_descending_title_pages_through_in_that_order_without_repeats()
    {
        var word = ListReads.FreshWord();
        var created = new List<(string Id, string? Publisher, string Title)>();
        foreach (var (publisher, title) in new (string?, string)[] { ("Le Trois", "Alpha"), (null, "Beta"), ("AEF info", "Alpha"), ("Le Trois", "Gamma"), ("AEF info", "Alpha"), (null, "Alpha") })
        {
            created.Add((await Records.CreateId("sources", Source($"{title} {word}", publisher)), publisher, title));
        }

        var expected = created.OrderBy(s => s.Publisher ?? "", StringComparer.Ordinal).ThenByDescending(s => s.Title, StringComparer.Ordinal)
            .ThenBy(s => s.Id, StringComparer.Ordinal).Select(s => s.Id).ToList();
        Assert.That(await ListReads.Ids(_client, $"/v1/sources?q={word}&sort=publisher,-title&limit=2"), Is.EqualTo(expected));
    }

    [Test]
    public async Task Sorting_by_descending_date_seen_pages_through_unknown_dates_last()
    {
        var word = ListReads.FreshWord();
        var unknown = await Records.CreateId("sources", Source($"Rapport {word}", seenOn: null));
        var older = await Records.CreateId("sources", Source($"Rapport {word}", seenOn: "2021-03-04"));
        var newer = await Records.CreateId("sources", Source($"Rapport {word}", seenOn: "2024-05-02"));
        Assert.That(await ListReads.Ids(_client, $"/v1/sources?q={word}&sort=-seenOn&limit=1"), Is.EqualTo(new[] { newer, older, unknown }));
    }

    [TestCase("territory=2018-ti2707", "territory")]
    [TestCase("publisher=Etalab", "publisher")]
    [TestCase("sort=url", "sort")]
    [TestCase("sort=relevance,id", "sort")]
    [TestCase("updatedSince=2026-11-26%2009%3A00", "updatedSince")]
    [TestCase("q=%2A%2A", "q")]
    [TestCase("format=geojson", "format")]
    public async Task An_unknown_parameter_or_a_bad_value_is_a_problem_naming_the_parameter(string query, string parameter)
    {
        await (await _client.GetAsync($"/v1/sources?{query}")).ShouldBeValidationProblem(parameter);
    }

    [Test]
    public async Task A_csv_export_holds_what_the_json_pages_hold_with_the_same_search()
    {
        var word = ListReads.FreshWord();
        await Records.CreateId("sources", Source($"Rapport \"{word}\"; tome 1", "Éditions; Essai"));
        await Records.CreateId("sources", Source($"Rapport {word}", null, null));

        foreach (var query in new[] { $"q={word}", $"q={word}&sort=-title", "q=reindustrialiser&sort=id" })
        {
            var csv = await ListReads.Csv(_client, $"/v1/sources?{query}&format=csv");
            Assert.That(csv[0], Is.EqualTo(new[] { "id", "url", "title", "publisher", "seenOn", "createdAt", "updatedAt", "version" }));
            ListReads.AssertCsvHoldsJson(csv, await Records.ReadAll(_client, $"/v1/sources?{query}&limit=1"));
        }
    }

    [Test]
    public async Task The_document_examples_are_what_the_api_serves_for_the_seeded_records()
    {
        ListReads.AssertExampleServed(SourceExamples.Response, await ListReads.Json(_client, "/v1/sources/la-fabrique-ces-territoires"));
        await ListReads.AssertPageExampleServed(_client, SourceExamples.Page);
        await ListReads.AssertCsvExampleServed(_client, "/v1/sources?q=reindustrialiser&sort=id&format=csv", SourceExamples.Csv);
    }
}
