using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;

namespace Observatoire.Api.Tests.Limits;

public sealed class CursorTests
{
    private const int TagLength = 16;
    private readonly HttpClient _client = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    private async Task<string> NextCursor(HttpClient client, string url)
    {
        var page = await (await client.GetAsync(url)).JsonBody();
        var next = (string?)page["links"]!["next"] ?? throw new AssertionException($"{url} has no next page");
        return HttpUtility.ParseQueryString(next.Split('?', 2)[1])["cursor"]!;
    }

    /// <summary>A cursor of the same shape as the API's, signed with another key.</summary>
    private static string SignedWith(string key, string path, params string[] values)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(values);
        var tag = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), (byte[])[.. Encoding.UTF8.GetBytes(path), 0, .. payload])[..TagLength];
        return WebEncoders.Base64UrlEncode([.. payload, .. tag]);
    }

    private async Task ShouldRefuse(HttpClient client, string url)
    {
        var problem = await (await client.GetAsync(url)).ShouldBeValidationProblem("cursor");
        Assert.That((string?)problem["errors"]!["cursor"]![0], Does.Contain("not valid"));
    }

    [Test]
    public async Task A_cursor_of_the_API_pages_on_and_any_altered_byte_makes_it_a_400()
    {
        var cursor = await NextCursor(_client, "/v1/territories?limit=2&sort=name");
        Assert.That((int)(await _client.GetAsync($"/v1/territories?limit=2&sort=name&cursor={cursor}")).StatusCode, Is.EqualTo(200));
        var bytes = WebEncoders.Base64UrlDecode(cursor);
        for (var i = 0; i < bytes.Length; i += Math.Max(1, bytes.Length / 12))
        {
            var altered = (byte[])bytes.Clone();
            altered[i] ^= 0x01;
            await ShouldRefuse(_client, $"/v1/territories?limit=2&sort=name&cursor={WebEncoders.Base64UrlEncode(altered)}");
        }
        await ShouldRefuse(_client, $"/v1/territories?limit=2&sort=name&cursor={cursor[..^3]}");
        await ShouldRefuse(_client, "/v1/territories?limit=2&sort=name&cursor=%21%21");
    }

    [Test]
    public async Task A_cursor_signed_with_another_key_is_a_400_even_with_values_that_would_reach_a_cast()
    {
        // The shape of the API's own cursors, with values a number or a date column would fail to cast.
        await ShouldRefuse(_client, $"/v1/sessions?sort=number&cursor={SignedWith("another-deployment-0123456789abcdef", "/v1/sessions", "number,id", "douze", "x")}");
        await ShouldRefuse(_client, $"/v1/sessions?sort=date&cursor={SignedWith("another-deployment-0123456789abcdef", "/v1/sessions", "date,id", "hier", "x")}");
        // The key the source code once held, and the examples of the document still use.
        var payload = JsonSerializer.SerializeToUtf8Bytes(new[] { "number,id", "2", "seance-02" });
        var oldTag = HMACSHA256.HashData(Encoding.UTF8.GetBytes("observatoire-cursor-v1"), payload).AsSpan(0, 8).ToArray();
        await ShouldRefuse(_client, $"/v1/sessions?cursor={WebEncoders.Base64UrlEncode([.. payload, .. oldTag])}");
    }

    [Test]
    public async Task A_cursor_of_one_list_is_a_400_on_another()
    {
        var territories = await NextCursor(_client, "/v1/territories?limit=1&sort=name");
        await ShouldRefuse(_client, $"/v1/sessions?limit=1&cursor={territories}");
        await ShouldRefuse(_client, $"/v1/territories/2018-ti2707/communes?cursor={territories}");
    }

    [Test]
    public async Task Without_a_configured_key_cursors_are_signed_with_the_databases_secret_so_instances_agree_and_other_deployments_are_refused()
    {
        using var writer = KestrelApi.Client(writer: true);
        var ids = Enumerable.Range(0, 3).Select(_ => Records.FreshId("curseur")).ToList();
        try
        {
            foreach (var id in ids) Assert.That((int)(await writer.PostJson("/v1/sources", Records.Source(id))).StatusCode, Is.EqualTo(201));
            var own = await NextCursor(writer, "/v1/sources?limit=1&sort=id");
            Assert.That((int)(await writer.GetAsync($"/v1/sources?limit=1&sort=id&cursor={own}")).StatusCode, Is.EqualTo(200));
            var configured = await NextCursor(_client, "/v1/sources?limit=1&sort=id");
            await ShouldRefuse(writer, $"/v1/sources?limit=1&sort=id&cursor={configured}");
            await ShouldRefuse(_client, $"/v1/sources?limit=1&sort=id&cursor={own}");

            // Another instance over the same database (a replica) makes the same cursor, byte for byte, and takes it.
            await using var replica = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
                .UseEnvironment("Testing")
                .UseSetting("ConnectionStrings:Observatoire", KestrelApi.ConnectionString)
                .UseSetting("Auth:BootstrapKey", TestApi.ApiKey)
                .UseSetting("Seeds:LoadWhenEmpty", "false"));
            using var other = replica.CreateClient();
            Assert.That(await NextCursor(other, "/v1/sources?limit=1&sort=id"), Is.EqualTo(own));
            Assert.That((int)(await other.GetAsync($"/v1/sources?limit=1&sort=id&cursor={own}")).StatusCode, Is.EqualTo(200));
        }
        finally
        {
            // The export tests of that API count on its sources being their own.
            foreach (var id in ids) await writer.DeleteAsync($"/v1/sources/{id}");
        }
    }
}
