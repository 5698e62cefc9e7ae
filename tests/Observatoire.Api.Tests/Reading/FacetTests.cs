using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Observatoire.Api.Actors;
using Observatoire.Api.Resources;
using Observatoire.Api.Sessions;
using Observatoire.Api.Territories;
using Observatoire.Contracts;

namespace Observatoire.Api.Tests.Reading;

/// <summary>The facets of the lists: each count is the list's own total for that value, under the same parameters.</summary>
public sealed class FacetTests
{
    private readonly HttpClient _client = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    [TestCase("territories", "phase=2018-2022", new[] { "phase", "region", "department", "studied" })]
    [TestCase("territories", "phase=2018-2022&region=27&q=nord", new[] { "phase", "region", "department", "studied" })]
    [TestCase("resources", "", new[] { "kind", "tag" })]
    [TestCase("resources", "kind=material", new[] { "kind", "tag" })]
    [TestCase("actors", "", new[] { "type", "category" })]
    [TestCase("actors", "territory=2018-ti2707&type=person", new[] { "type", "category" })]
    [TestCase("sessions", "", new[] { "year", "sessionFormat" })]
    [TestCase("sessions", "sessionFormat=territorial&from=2019-01-01", new[] { "year", "sessionFormat" })]
    public async Task Each_count_is_the_total_the_list_answers_with_that_value(string collection, string query, string[] names)
    {
        var facets = (await ListReads.Json(_client, $"/v1/{collection}/facets?{query}"))["facets"]!.AsObject();
        Assert.That(facets.Select(f => f.Key), Is.EqualTo(names), "the declared facets, in order");
        var compared = 0;
        foreach (var (name, values) in facets)
        {
            var counts = values!.AsArray().Select(v => ((string)v!["value"]!, (long)v["count"]!)).ToList();
            Assert.That(counts, Is.EqualTo(counts.OrderByDescending(c => c.Item2).ThenBy(c => c.Item1, StringComparer.Ordinal)), $"{name}: by count, then value");
            Assert.That(counts.All(c => c.Item2 > 0), $"{name}: only values some record holds");
            // The most and the least frequent values (a long tail of tags is checked by its ends).
            foreach (var (value, count) in counts.Take(6).Concat(counts.TakeLast(2)).Distinct())
            {
                var others = query.Split('&', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith(name + "=", StringComparison.Ordinal));
                var url = $"/v1/{collection}?{string.Join('&', others.Append($"{name}={Uri.EscapeDataString(value)}"))}&limit=1";
                Assert.That(await Total(url), Is.EqualTo(count), $"{name}={value}: {url}");
                compared++;
            }
        }
        Assert.That(compared, Is.GreaterThan(names.Length), "the facets hold values to compare");
    }

    [Test]
    public async Task A_facets_own_filter_is_not_applied_to_its_counts_but_to_the_other_facets()
    {
        var phase = (await ListReads.Json(_client, "/v1/territories/facets?phase=2018-2022"))["facets"]!;
        var inRegion = (await ListReads.Json(_client, "/v1/territories/facets?phase=2018-2022&region=27"))["facets"]!;
        Assert.Multiple(async () =>
        {
            // The regions are counted as without region=27, so that an interface can offer the others.
            Assert.That(inRegion["region"]!.ToJsonString(), Is.EqualTo(phase["region"]!.ToJsonString()));
            Assert.That(inRegion["region"]!.AsArray().Count, Is.GreaterThan(1));
            Assert.That(inRegion["region"]!.AsArray().Any(v => (string?)v!["value"] == "27" && (string?)v["label"] == "Bourgogne-Franche-Comté"));
            // The departments are those of region 27 only, and the phases are counted within it.
            // Those a territory of region 27 covers: a territory may reach into a department of another region.
            Assert.That(inRegion["department"]!.AsArray().Select(v => (string)v!["value"]!),
                Is.SupersetOf(new[] { "25", "39", "70", "90" }).And.Not.Contains("2A").And.Not.Contains("59"));
            Assert.That(inRegion["phase"]!.AsArray().Single(v => (string?)v!["value"] == "2018-2022")!["count"]!.GetValue<long>(),
                Is.EqualTo(await Total("/v1/territories?phase=2018-2022&region=27&limit=1")));
            Assert.That(inRegion["studied"]!.AsArray().Sum(v => (long)v!["count"]!), Is.EqualTo(await Total("/v1/territories?phase=2018-2022&region=27&limit=1")));
        });
    }

    [Test]
    public async Task Filters_and_the_search_narrow_the_counts()
    {
        var territory = await Records.NewTerritory();
        var word = ListReads.FreshWord();
        foreach (var (kind, tags, named) in new[]
                 {
                     ("material", new[] { "Port", "logistique" }, true), ("material", new[] { "port" }, true),
                     ("natural", new[] { "eau", "PORT" }, true), ("human", new[] { "formation" }, false),
                 })
        {
            var resource = Records.Resource(territory, kind);
            resource["tags"] = tags;
            if (named) resource["name"] = $"Quai {word}";
            await Records.CreateId("resources", resource);
        }

        var all = await Facets($"/v1/resources/facets?territory={territory}");
        var searched = await Facets($"/v1/resources/facets?territory={territory}&q={word}");
        var material = await Facets($"/v1/resources/facets?territory={territory}&kind=material");
        Assert.Multiple(() =>
        {
            Assert.That(all["kind"], Is.EqualTo(new[] { ("material", 2L), ("human", 1L), ("natural", 1L) }));
            // Tags are counted as the tag filter reads them: case does not matter.
            Assert.That(all["tag"], Is.EqualTo(new[] { ("port", 3L), ("eau", 1L), ("formation", 1L), ("logistique", 1L) }));
            Assert.That(searched["kind"], Is.EqualTo(new[] { ("material", 2L), ("natural", 1L) }));
            Assert.That(searched["tag"], Is.EqualTo(new[] { ("port", 3L), ("eau", 1L), ("logistique", 1L) }));
            Assert.That(material["kind"], Is.EqualTo(all["kind"]), "the kind filter leaves the kinds' counts alone");
            Assert.That(material["tag"], Is.EqualTo(new[] { ("port", 2L), ("logistique", 1L) }));
        });
    }

    [TestCase("/v1/territories/facets?limit=10", "limit")]
    [TestCase("/v1/territories/facets?sort=name", "sort")]
    [TestCase("/v1/territories/facets?regoin=27", "regoin")]
    [TestCase("/v1/territories/facets?phase=2019", "phase")]
    [TestCase("/v1/territories/facets?region=ABC", "region")]
    [TestCase("/v1/territories/facets?studied=maybe", "studied")]
    [TestCase("/v1/resources/facets?kind=solid", "kind")]
    [TestCase("/v1/actors/facets?cursor=abc", "cursor")]
    [TestCase("/v1/sessions/facets?year=20", "year")]
    [TestCase("/v1/sessions/facets?from=2020-02-01&to=2020-01-01", "to")]
    [TestCase("/v1/sessions/facets?updatedSince=yesterday", "updatedSince")]
    [TestCase("/v1/actors/facets?q=%20-%20", "q")]
    public async Task A_parameter_the_list_refuses_is_a_400_naming_it(string url, string parameter)
    {
        await (await _client.GetAsync(url)).ShouldBeValidationProblem(parameter);
    }

    [Test]
    public async Task No_record_takes_the_id_facets_which_would_hide_it_behind_the_facets_route()
    {
        var territory = await Records.NewTerritory();
        using var writer = TestApi.Writer();
        await (await writer.PostJson("/v1/resources", Records.Resource(territory, id: "facets"))).ShouldBeValidationProblem("id");

        var named = Records.Resource(territory);
        named["id"] = null;
        named["name"] = "Facets";
        var id = await Records.CreateId("resources", named);
        Assert.That(id, Does.StartWith("facets-"));
        Assert.That((string?)(await ListReads.Json(_client, $"/v1/resources/{id}"))["name"], Is.EqualTo("Facets"));
    }

    [Test]
    public async Task Facets_are_conditional_reads() =>
        await ListReads.ShouldAnswer304WhenUnchanged(_client, "/v1/actors/facets?type=person");

    /// <remarks>
    /// As for the examples of pages, records other tests add are allowed: each value of an example is served with its
    /// label and at least its count, and the facets are the same.
    /// </remarks>
    [Test]
    public async Task The_documents_examples_are_what_the_api_serves()
    {
        foreach (var (url, example) in new (string, FacetCounts)[]
                 {
                     ("/v1/territories/facets?phase=2018-2022&region=27", TerritoryExamples.Facets),
                     ("/v1/resources/facets?territory=2018-ti2707", ResourceExamples.Facets),
                     ("/v1/actors/facets?territory=2018-ti2707", ActorExamples.Facets),
                     ("/v1/sessions/facets?territory=2018-ti2707", SessionExamples.Facets),
                 })
        {
            var served = (await ListReads.Json(_client, url))["facets"]!.AsObject();
            Assert.That(served.Select(f => f.Key), Is.EqualTo(example.Facets.Keys), url);
            Assert.Multiple(() =>
            {
                foreach (var (name, values) in example.Facets)
                {
                    var answer = served[name]!.AsArray().ToDictionary(v => (string)v!["value"]!, v => ((string?)v!["label"], (long)v["count"]!));
                    foreach (var value in values)
                    {
                        Assert.That(answer.ContainsKey(value.Value), $"{url}: {name}={value.Value} is served");
                        if (!answer.TryGetValue(value.Value, out var got)) continue;
                        Assert.That(got.Item1, Is.EqualTo(value.Label), $"{url}: {name}={value.Value}");
                        Assert.That(got.Item2, Is.GreaterThanOrEqualTo(value.Count), $"{url}: {name}={value.Value}");
                    }
                }
            });
        }
    }

    private async Task<long> Total(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Prefer", "count=exact");
        var response = await _client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        return (long)JsonNode.Parse(body)!["total"]!;
    }

    private async Task<Dictionary<string, (string, long)[]>> Facets(string url) =>
        (await ListReads.Json(_client, url))["facets"]!.AsObject()
        .ToDictionary(f => f.Key, f => f.Value!.AsArray().Select(v => ((string)v!["value"]!, (long)v["count"]!)).ToArray());
}
