using System.Net;
using System.Net.Http.Headers;
using Observatoire.Api.Tests.Territories;

namespace Observatoire.Api.Tests.Reading;

public sealed class ConditionalReadTests
{
    private readonly HttpClient _client = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    [TestCase("/v1/territories/2018-ti2707")]
    [TestCase("/v1/territories?phase=2018-2022&limit=10")]
    [TestCase("/v1/territories/2018-ti2707/communes")]
    public async Task A_read_carries_validators_and_an_unchanged_one_answers_304_without_a_body(string url)
    {
        var first = await _client.GetAsync(url);
        Assert.Multiple(() =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(first.Headers.ETag, Is.Not.Null);
            Assert.That(first.Headers.ETag!.IsWeak, Is.False);
            Assert.That(first.Content.Headers.LastModified, Is.Not.Null);
            Assert.That(first.Headers.CacheControl?.Public, Is.True);
            Assert.That(first.Headers.Vary, Does.Contain("Accept"));
        });

        // The snapshot behind the ETag moves when any writing transaction runs (a background ANALYZE, say):
        // then the answer is a fresh 200 with a new ETag, and the next conditional request must be a 304.
        var etag = first.Headers.ETag!;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.IfNoneMatch.Add(etag);
            var again = await _client.SendAsync(request);
            if (again.StatusCode == HttpStatusCode.NotModified)
            {
                Assert.Multiple(async () =>
                {
                    Assert.That(await again.Content.ReadAsStringAsync(), Is.Empty);
                    Assert.That(again.Headers.ETag, Is.EqualTo(etag));
                });
                return;
            }
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(again.Headers.ETag, Is.Not.EqualTo(etag), "a 200 to a matching If-None-Match must carry a new ETag");
            etag = again.Headers.ETag!;
        }
        Assert.Fail("If-None-Match with the current ETag never answered 304.");
    }

    [Test]
    public async Task A_write_changes_the_etag_of_the_reads_it_affects()
    {
        var code = TerritoryRequests.FreshCode2023();
        using var writer = TestApi.Writer();
        (await writer.PostJson("/v1/territories", TerritoryRequests.Valid(code))).EnsureSuccessStatusCode();
        var url = $"/v1/territories/{TerritoryRequests.IdOf(code)}";
        var before = await _client.GetAsync(url);

        (await writer.PutJson(url, TerritoryRequests.Valid(code, "Renommé"))).EnsureSuccessStatusCode();
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.IfNoneMatch.Add(before.Headers.ETag!);
        var after = await _client.SendAsync(request);

        Assert.Multiple(async () =>
        {
            Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(after.Headers.ETag, Is.Not.EqualTo(before.Headers.ETag));
            Assert.That((string?)(await after.JsonBody())["name"], Is.EqualTo("Renommé"));
        });
    }

    [Test]
    public async Task Two_representations_of_the_same_data_have_different_etags()
    {
        var a = await _client.GetAsync("/v1/territories?limit=5");
        var b = await _client.GetAsync("/v1/territories?limit=6");
        Assert.That(a.Headers.ETag, Is.Not.EqualTo(b.Headers.ETag));
    }

    [Test]
    public async Task Any_origin_may_read_but_writes_are_not_opened_to_other_origins()
    {
        var read = new HttpRequestMessage(HttpMethod.Get, "/v1/territories/2018-ti2707");
        read.Headers.Add("Origin", "https://partner.example");
        var readResponse = await _client.SendAsync(read);
        Assert.That(readResponse.Headers.GetValues("Access-Control-Allow-Origin").Single(), Is.EqualTo("*"));

        var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/territories/2018-ti2707");
        preflight.Headers.Add("Origin", "https://partner.example");
        preflight.Headers.Add("Access-Control-Request-Method", "DELETE");
        preflight.Headers.Add("Access-Control-Request-Headers", "X-Api-Key");
        using var raw = TestApi.Factory.CreateClient();
        var preflightResponse = await raw.SendAsync(preflight);
        Assert.That(preflightResponse.Headers.Contains("Access-Control-Allow-Methods")
            && preflightResponse.Headers.GetValues("Access-Control-Allow-Methods").Any(m => m.Contains("DELETE")), Is.False);
    }
}
