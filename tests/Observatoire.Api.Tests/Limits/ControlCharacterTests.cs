using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Observatoire.Api.Tests.Limits;

public sealed class ControlCharacterTests
{
    private readonly HttpClient _anonymous = TestApi.Anonymous();
    private readonly HttpClient _writer = TestApi.Writer();

    [OneTimeTearDown]
    public void Dispose()
    {
        _anonymous.Dispose();
        _writer.Dispose();
    }

    [TestCase("/v1/territories?code=%00", "code")]
    [TestCase("/v1/resources?tag=%00", "tag")]
    [TestCase("/v1/territories?q=saint%01nazaire", "q")]
    [TestCase("/v1/search?q=%7F", "q")]
    [TestCase("/v1/sources?cursor=a%00b", "cursor")]
    [TestCase("/v1/territories?na%00me=1", "na%00me")]
    public async Task A_control_character_in_the_url_is_a_400_naming_where(string url, string field)
    {
        var problem = await (await _anonymous.GetAsync(url)).ShouldBeValidationProblem(field);
        Assert.That((string?)problem["errors"]![field]![0], Does.Contain("Control characters"));
    }

    // C1 controls (U+0080 to U+009F) are control characters as much as the C0 ones.
    [TestCase("/v1/actors?territory=a%C2%85b", "territory")]
    [TestCase("/v1/figures?q=x%C2%9F", "q")]
    [TestCase("/v1/territories/2018-ti2707%C2%80", "path")]
    public async Task A_C1_control_character_in_the_url_is_a_400_naming_where(string url, string field)
    {
        var problem = await (await _anonymous.GetAsync(url)).ShouldBeValidationProblem(field);
        Assert.That((string?)problem["errors"]![field]![0], Does.Contain("Control characters"));
    }

    [Test]
    public async Task A_C1_control_character_in_a_header_or_a_body_is_a_400_and_nothing_is_written()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/territories");
        request.Headers.TryAddWithoutValidation("X-Note", "a\u0085b");
        await (await _anonymous.SendAsync(request)).ShouldBeValidationProblem("X-Note");

        var source = Records.Source();
        source["title"] = "Rapport\u0085annuel";
        await (await _writer.PostJson("/v1/sources", source)).ShouldBeValidationProblem("title");
        Assert.That((int)(await _anonymous.GetAsync($"/v1/sources/{source["id"]}")).StatusCode, Is.EqualTo(404));
    }

    [Test]
    public async Task A_control_character_in_the_path_is_a_400()
    {
        // The in-process client refuses to send a NUL in a path, and Kestrel answers it with a bare 400 of its own
        // before the application runs; other control characters reach the application.
        using var client = KestrelApi.Client();
        Assert.That((int)(await client.GetAsync("/v1/territories/2018-ti2707%00")).StatusCode, Is.EqualTo(400));
        await (await client.GetAsync("/v1/territories/2018-ti2707%01")).ShouldBeValidationProblem("path");
        await (await client.GetAsync("/v1/territories/2018-ti2707%1B/communes")).ShouldBeValidationProblem("path");
    }

    [Test]
    public async Task A_control_character_in_a_header_is_a_400_naming_the_header()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/territories");
        request.Headers.TryAddWithoutValidation("X-Note", "a\u0001b");
        await (await _anonymous.SendAsync(request)).ShouldBeValidationProblem("X-Note");
    }

    [Test]
    public async Task A_NUL_in_a_body_string_is_a_400_naming_the_field_and_nothing_is_written()
    {
        var source = Records.Source();
        source["title"] = "Rapport\u0000annuel";
        var response = await _writer.PostJson("/v1/sources", source);
        await response.ShouldBeValidationProblem("title");
        Assert.That((int)(await _anonymous.GetAsync($"/v1/sources/{source["id"]}")).StatusCode, Is.EqualTo(404));
    }

    [Test]
    public async Task Control_characters_in_nested_strings_and_list_items_are_named_by_their_path()
    {
        var territory = await Records.NewTerritory();
        var resource = Records.Resource(territory);
        resource["tags"] = new[] { "ok", "mauvais\u0008" };
        var session = Records.Session();
        session["links"] = new[] { new { kind = "report", url = "https://example.org/r", title = "x\u001Fy" } };
        await (await _writer.PostJson("/v1/resources", resource)).ShouldBeValidationProblem("tags[1]");
        await (await _writer.PostJson("/v1/sessions", session)).ShouldBeValidationProblem("links[0].title");
    }

    [Test]
    public async Task A_lone_surrogate_in_a_body_string_is_a_400_naming_the_field_not_an_encoding_failure()
    {
        var response = await _writer.PostAsync("/v1/sources", HttpAssertions.RawJson("""{"url":"https://example.org/s","title":"a\ud800b"}"""));
        await response.ShouldBeValidationProblem("title");
    }

    [Test]
    public async Task Tabs_and_line_breaks_stay_allowed_in_body_text()
    {
        var source = Records.Source();
        source["title"] = "Ligne 1\r\nLigne 2\tcolonne";
        var created = await (await _writer.PostJson("/v1/sources", source)).JsonBody();
        Assert.That((string?)created["title"], Is.EqualTo("Ligne 1\r\nLigne 2\tcolonne"));
    }

    [Test]
    public async Task After_fifty_refused_or_failed_requests_each_next_valid_request_on_the_same_pool_succeeds()
    {
        var dataSource = TestApi.Factory.Services.GetRequiredService<NpgsqlDataSource>();
        for (var i = 0; i < 50; i++)
        {
            // Refused before the database: a NUL in the query, then one in a body.
            await (await _anonymous.GetAsync($"/v1/territories?code=%00&limit={i % 5 + 1}")).ShouldBeValidationProblem("code");
            var source = Records.Source();
            source["publisher"] = "\u0000";
            await (await _writer.PostJson("/v1/sources", source)).ShouldBeValidationProblem("publisher");
            // A statement that fails in PostgreSQL (22021: NUL in text) on a connection of the API's own pool.
            await using (var connection = await dataSource.OpenConnectionAsync())
            {
                await using var failing = new NpgsqlCommand("select $1::text", connection) { Parameters = { new() { Value = "a\u0000b" } } };
                Assert.ThrowsAsync(Is.InstanceOf<Exception>(), async () => await failing.ExecuteScalarAsync());
            }
            var page = await _anonymous.GetAsync($"/v1/territories?limit={i % 5 + 1}&sort=name");
            Assert.That((int)page.StatusCode, Is.EqualTo(200), $"pair {i}: {await page.Content.ReadAsStringAsync()}");
            var items = (await page.JsonBody())["items"]!.AsArray();
            Assert.That(items, Has.Count.EqualTo(i % 5 + 1), $"pair {i}");
        }
    }
}
