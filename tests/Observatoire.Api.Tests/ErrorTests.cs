using System.Net;

namespace Observatoire.Api.Tests;

public sealed class ErrorTests
{
    private readonly HttpClient _client = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    [Test]
    public async Task An_unknown_route_is_a_404_problem()
    {
        var body = await (await _client.GetAsync("/v1/nothing-here")).ShouldBeProblem(404);
        Assert.That((string?)body["instance"], Is.EqualTo("/v1/nothing-here"));
    }

    [Test]
    public async Task An_unsupported_method_is_a_405_problem()
    {
        var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, "/v1/territories/2018-ti2707"));
        await response.ShouldBeProblem(405);
    }

    [Test]
    public async Task Liveness_answers_without_the_database_and_readiness_checks_it()
    {
        var live = await _client.GetAsync("/health/live");
        var ready = await _client.GetAsync("/health/ready");
        Assert.Multiple(async () =>
        {
            Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((string?)(await live.JsonBody())["status"], Is.EqualTo("healthy"));
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((string?)(await ready.JsonBody())["status"], Is.EqualTo("healthy"));
        });
    }
}
