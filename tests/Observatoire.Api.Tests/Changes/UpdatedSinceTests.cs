using System.Net;
using Observatoire.Api.Tests.Territories;

namespace Observatoire.Api.Tests.Changes;

public sealed class UpdatedSinceTests
{
    private readonly HttpClient _writer = TestApi.Writer();
    private readonly HttpClient _anonymous = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose()
    {
        _writer.Dispose();
        _anonymous.Dispose();
    }

    private async Task<List<string>> ListedIds(string updatedSince)
    {
        var ids = new List<string>();
        string? next = $"/v1/territories?phase=2023-2027&limit=200&updatedSince={Uri.EscapeDataString(updatedSince)}";
        while (next is not null)
        {
            var response = await _anonymous.GetAsync(next);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
            var page = await response.JsonBody();
            ids.AddRange(page["items"]!.AsArray().Select(i => (string)i!["id"]!));
            next = (string?)page["links"]!["next"];
        }
        return ids;
    }

    [Test]
    public async Task UpdatedSince_lists_only_the_territories_changed_after_that_instant()
    {
        var earlierCode = TerritoryRequests.FreshCode2023();
        var laterCode = TerritoryRequests.FreshCode2023();
        var earlier = await (await _writer.PostJson("/v1/territories", TerritoryRequests.Valid(earlierCode))).JsonBody();
        var later = await (await _writer.PostJson("/v1/territories", TerritoryRequests.Valid(laterCode))).JsonBody();
        var earlierAt = (DateTime)earlier["updatedAt"]!;
        Assert.That((DateTime)later["updatedAt"]!, Is.GreaterThan(earlierAt));

        var sinceEarlier = await ListedIds(earlierAt.ToString("O"));
        Assert.Multiple(() =>
        {
            Assert.That(sinceEarlier, Does.Contain(TerritoryRequests.IdOf(laterCode)));
            Assert.That(sinceEarlier, Does.Not.Contain(TerritoryRequests.IdOf(earlierCode)), "Strictly after: the instant itself is excluded.");
            Assert.That(sinceEarlier, Does.Not.Contain("2023-ti-2708"), "Seeded territories unchanged since are left out.");
        });

        // The same instant with another offset; and an update brings the earlier one back.
        var sameInstant = new DateTimeOffset(earlierAt).ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-ddTHH:mm:ss.ffffffzzz");
        Assert.That(await ListedIds(sameInstant), Is.EqualTo(sinceEarlier));
        (await _writer.PutJson($"/v1/territories/{TerritoryRequests.IdOf(earlierCode)}", TerritoryRequests.Valid(earlierCode, "Modifié"))).EnsureSuccessStatusCode();
        Assert.That(await ListedIds(earlierAt.ToString("O")), Does.Contain(TerritoryRequests.IdOf(earlierCode)));
    }

    [Test]
    public async Task UpdatedSince_combines_with_the_other_filters_and_the_next_link_keeps_it()
    {
        var code = TerritoryRequests.FreshCode2023();
        (await _writer.PostJson("/v1/territories", TerritoryRequests.Valid(code))).EnsureSuccessStatusCode();
        var page = await (await _anonymous.GetAsync($"/v1/territories?code={code}&updatedSince=2000-01-01T00:00:00Z")).JsonBody();
        Assert.That(page["items"]!.AsArray().Select(i => (string?)i!["id"]), Is.EqualTo(new[] { TerritoryRequests.IdOf(code) }));

        var first = await (await _anonymous.GetAsync("/v1/territories?limit=1&updatedSince=2000-01-01T00:00:00Z")).JsonBody();
        Assert.That((string?)first["links"]!["next"], Does.Contain("updatedSince=2000-01-01T00%3A00%3A00Z"));
    }

    [TestCase("yesterday")]
    [TestCase("2026-11-26")]
    [TestCase("2026-11-26T09:00:00")]
    [TestCase("26/11/2026 09:00:00Z")]
    [TestCase("2026-13-01T00:00:00Z")]
    public async Task An_updatedSince_that_is_not_an_rfc_3339_date_time_is_a_400_problem_naming_it(string value)
    {
        var response = await _anonymous.GetAsync($"/v1/territories?updatedSince={Uri.EscapeDataString(value)}");
        await response.ShouldBeValidationProblem("updatedSince");
    }
}
