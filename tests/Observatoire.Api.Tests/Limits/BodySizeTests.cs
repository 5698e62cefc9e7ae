using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Observatoire.Api.Tests.Limits;

public sealed class BodySizeTests
{
    private const int MaxBodyBytes = 64 * 1024;

    private static string SourceOfSize(int bytes)
    {
        const string start = "{\"url\":\"https://example.org/a\",\"title\":\"";
        return start + new string('a', bytes - start.Length - 2) + "\"}";
    }

    [Test]
    public async Task An_anonymous_body_announced_over_64_KiB_is_a_413_problem_before_the_key_is_checked()
    {
        using var client = TestApi.Anonymous();
        var response = await client.PostAsync("/v1/sources", HttpAssertions.RawJson(SourceOfSize(MaxBodyBytes + 1)));
        var problem = await response.ShouldBeProblem(413);
        Assert.That((long?)problem["maxBodyBytes"], Is.EqualTo(MaxBodyBytes));
    }

    [Test]
    public async Task A_body_announced_over_the_limit_is_refused_with_a_valid_key_too_and_nothing_is_written()
    {
        using var client = TestApi.Writer();
        var id = Records.FreshId("trop-gros");
        var body = SourceOfSize(MaxBodyBytes + 100).Replace("{\"url\"", $"{{\"id\":\"{id}\",\"url\"");
        await (await client.PostAsync("/v1/sources", HttpAssertions.RawJson(body))).ShouldBeProblem(413);
        Assert.That((int)(await client.GetAsync($"/v1/sources/{id}")).StatusCode, Is.EqualTo(404));
    }

    [Test]
    public async Task A_body_just_under_the_limit_is_read()
    {
        using var client = TestApi.Writer();
        // The title's own limit answers, which proves the body was read and bound.
        var response = await client.PostAsync("/v1/sources", HttpAssertions.RawJson(SourceOfSize(MaxBodyBytes - 10)));
        await response.ShouldBeValidationProblem("title");
    }

    [Test]
    public async Task A_chunked_body_that_grows_past_the_limit_is_cut_off_with_a_413_problem()
    {
        using var client = KestrelApi.Client(writer: true);
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(SourceOfSize(MaxBodyBytes * 4))));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sources") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        var response = await client.SendAsync(request);
        await response.ShouldBeProblem(413);
    }

    [Test]
    public async Task JSON_nested_deeper_than_32_levels_is_a_400_problem()
    {
        using var client = TestApi.Writer();
        var deep = new string('[', 40) + new string(']', 40);
        var response = await client.PostAsync("/v1/sources", HttpAssertions.RawJson($"{{\"url\":\"https://example.org\",\"title\":{deep}}}"));
        var problem = await response.ShouldBeProblem(400);
        Assert.That(problem["errors"]?.AsObject(), Is.Not.Null.And.Not.Empty);
    }

    [Test]
    public async Task Headers_and_request_lines_over_the_server_limits_are_refused_by_Kestrel()
    {
        using var client = KestrelApi.Client();
        var longUrl = await client.GetAsync("/v1/territories?q=" + new string('a', 9 * 1024));
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/territories");
        request.Headers.Add("X-Padding", new string('a', 17 * 1024));
        var bigHeaders = await client.SendAsync(request);
        Assert.Multiple(() =>
        {
            Assert.That(longUrl.StatusCode, Is.EqualTo(HttpStatusCode.RequestUriTooLong));
            Assert.That(bigHeaders.StatusCode, Is.EqualTo(HttpStatusCode.RequestHeaderFieldsTooLarge));
        });
    }
}
