using System.Net;
using System.Net.Http.Headers;

namespace Observatoire.Api.Tests.Limits;

public sealed class HeadTests
{
    // HEAD and OPTIONS are not operations of the document (HTTP gives HEAD to every GET), so this client does not
    // check answers against it.
    private readonly HttpClient _client = TestApi.Factory.CreateClient();

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    [TestCase("/v1/territories?limit=3")]
    [TestCase("/v1/territories/2018-ti2707")]
    [TestCase("/v1/territories?format=csv")]
    [TestCase("/v1/sessions.ics")]
    [TestCase("/v1/search?q=saint")]
    [TestCase("/openapi/v1.json")]
    [TestCase("/swagger/index.html")]
    [TestCase("/health/live")]
    public async Task HEAD_answers_like_GET_with_the_same_headers_and_no_body(string url)
    {
        var get = await _client.GetAsync(url);
        var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, url));
        var body = await head.Content.ReadAsByteArrayAsync();
        Assert.Multiple(() =>
        {
            Assert.That(head.StatusCode, Is.EqualTo(get.StatusCode));
            Assert.That(get.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(head.Content.Headers.ContentType?.ToString(), Is.EqualTo(get.Content.Headers.ContentType?.ToString()));
            Assert.That(head.Headers.ETag, Is.EqualTo(get.Headers.ETag));
            Assert.That(head.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(get.Headers.GetValues("X-Content-Type-Options")));
            Assert.That(body, Is.Empty);
        });
    }

    [Test]
    public async Task HEAD_of_an_unknown_record_is_a_404_without_body()
    {
        var missing = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v1/territories/2018-ti0000"));
        Assert.Multiple(async () =>
        {
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(missing.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(await missing.Content.ReadAsByteArrayAsync(), Is.Empty);
        });
    }

    [Test]
    public async Task A_conditional_HEAD_with_the_current_ETag_is_a_304()
    {
        var get = await _client.GetAsync("/v1/territories/2018-ti2707");
        var head = new HttpRequestMessage(HttpMethod.Head, "/v1/territories/2018-ti2707");
        head.Headers.IfNoneMatch.Add(get.Headers.ETag!);
        Assert.That((await _client.SendAsync(head)).StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
    }

    [Test]
    public async Task CORS_preflight_for_HEAD_is_allowed_and_a_cross_origin_HEAD_gets_the_CORS_headers()
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/territories");
        preflight.Headers.Add("Origin", "https://partner.example");
        preflight.Headers.Add("Access-Control-Request-Method", "HEAD");
        var answer = await _client.SendAsync(preflight);
        var head = new HttpRequestMessage(HttpMethod.Head, "/v1/territories");
        head.Headers.Add("Origin", "https://partner.example");
        var headAnswer = await _client.SendAsync(head);
        Assert.Multiple(() =>
        {
            Assert.That((int)answer.StatusCode, Is.LessThan(300));
            Assert.That(answer.Headers.GetValues("Access-Control-Allow-Methods").Single(), Does.Contain("HEAD"));
            Assert.That(headAnswer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(headAnswer.Headers.GetValues("Access-Control-Allow-Origin").Single(), Is.EqualTo("*"));
        });
    }

    [Test]
    public async Task HEAD_through_Kestrel_sends_headers_only()
    {
        using var client = KestrelApi.Client();
        var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v1/territories"));
        Assert.Multiple(async () =>
        {
            Assert.That(head.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(head.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
            Assert.That(await head.Content.ReadAsByteArrayAsync(), Is.Empty);
        });
    }
}
