using System.Net.Http.Headers;

namespace Observatoire.Api.Tests.Limits;

public sealed class SecurityHeaderTests
{
    [TestCase("/v1/territories?limit=1")]
    [TestCase("/v1/territories/2018-ti0000")]
    [TestCase("/v1/territories?limit=0")]
    [TestCase("/v1/nowhere")]
    [TestCase("/openapi/v1.yaml")]
    public async Task Every_answer_carries_the_security_headers(string url)
    {
        using var client = TestApi.Anonymous();
        var response = await client.GetAsync(url);
        Assert.Multiple(() =>
        {
            Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
            Assert.That(response.Headers.GetValues("Referrer-Policy").Single(), Is.EqualTo("no-referrer"));
            Assert.That(response.Headers.GetValues("Content-Security-Policy").Single(), Does.StartWith("default-src 'none'"));
        });
    }

    [Test]
    public async Task A_refused_write_and_an_unexpected_failure_carry_them_too()
    {
        using var client = TestApi.Anonymous();
        var refused = await client.DeleteAsync("/v1/sources/x");
        Assert.That(refused.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
        using var kestrel = KestrelApi.Client();
        var tooLarge = await kestrel.PostAsync("/v1/sources", new ByteArrayContent(new byte[70_000]) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } });
        Assert.That(tooLarge.Headers.GetValues("Content-Security-Policy").Single(), Does.StartWith("default-src 'none'"));
    }

    [Test]
    public async Task Swagger_UI_gets_a_policy_that_lets_it_load_its_own_files()
    {
        using var client = TestApi.Anonymous();
        var page = await client.GetAsync("/swagger/index.html");
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Multiple(() =>
        {
            Assert.That(policy, Does.Contain("script-src 'self'"));
            Assert.That(policy, Does.Not.Contain("unsafe-eval"));
            Assert.That(policy, Does.Contain("connect-src 'self'"));
        });
    }

    [Test]
    public async Task Kestrel_sends_no_Server_header()
    {
        using var client = KestrelApi.Client();
        var response = await client.GetAsync("/health/live");
        Assert.That(response.Headers.Contains("Server"), Is.False);
        Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
    }
}
