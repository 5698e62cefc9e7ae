using System.Net;
using System.Text.Json.Nodes;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Tests.Keys;

/// <summary>
/// Keys made by an admin work for their scopes only, stop working when revoked or expired, and a refused key is
/// refused the same way whatever the reason, so that no answer says whether a key exists.
/// </summary>
public sealed class KeyLifecycleTests
{
    private static string SourcePath() => $"/v1/sources/{Records.FreshId("source")}";

    [Test]
    public async Task A_created_key_is_shown_once_prefixed_and_checksummed_and_writes_its_own_collection()
    {
        var created = await KeyClients.Create("Sources editors", ["write:sources"]);
        var key = (string)created["key"]!;
        Assert.Multiple(() =>
        {
            Assert.That(key, Does.Match("^obs_[0-9A-Za-z]{46}$"));
            Assert.That(ApiKeyFormat.IsWellFormed(key), Is.True);
            Assert.That((string?)created["name"], Is.EqualTo("Sources editors"));
            Assert.That(created["scopes"]!.AsArray().Select(s => (string?)s), Is.EqualTo(new[] { "write:sources" }));
            Assert.That(created["expiresAt"], Is.Null);
        });

        using var editor = KeyClients.Client(key);
        var source = Records.Source();
        var response = await editor.PostJson("/v1/sources", source);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var replaced = await editor.PutJson($"/v1/sources/{source["id"]}", source);
        Assert.That(replaced.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var deleted = await editor.DeleteAsync($"/v1/sources/{source["id"]}");
        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        using var admin = TestApi.Writer();
        var read = await admin.GetAsync($"/v1/keys/{created["id"]}");
        var readText = await read.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK), readText);
            Assert.That(readText, Does.Contain("Sources editors").And.Not.Contain(key));
            Assert.That(JsonNode.Parse(readText)!["lastUsedAt"], Is.Not.Null, "its use is recorded");
        });

        // Stored hashed: the secret is nowhere in the table.
        var stored = await TestApi.Database.ScalarAsync<long>("select count(*) from api_keys where name = 'Sources editors' and key_hash = sha256(convert_to($1, 'UTF8'))", key);
        Assert.That(stored, Is.EqualTo(1));
    }

    [TestCase("POST", "/v1/territories")]
    [TestCase("PUT", "/v1/actors/some-actor")]
    [TestCase("DELETE", "/v1/figures/some-figure")]
    [TestCase("POST", "/v1/keys")]
    [TestCase("GET", "/v1/keys")]
    [TestCase("GET", "/v1/keys/1")]
    [TestCase("DELETE", "/v1/keys/1")]
    public async Task A_key_without_the_scope_is_a_403_problem_before_the_body_is_read(string method, string path)
    {
        var key = (string)(await KeyClients.Create("Sources only", ["write:sources"]))["key"]!;
        using var client = KeyClients.Client(key);
        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = HttpAssertions.RawJson("{\"malformed\": ") });
        var body = await response.ShouldBeProblem(403);
        Assert.Multiple(() =>
        {
            Assert.That(body["errors"], Is.Null, "a 403 says nothing about the body");
            Assert.That((string?)body["detail"], Does.Contain("admin"));
        });
    }

    [Test]
    public async Task An_admin_key_writes_every_collection_and_manages_keys()
    {
        var key = (string)(await KeyClients.Create("Second admin", ["admin"]))["key"]!;
        using var admin = KeyClients.Client(key);
        Assert.That((await admin.PostJson("/v1/sources", Records.Source())).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await admin.DeleteAsync($"/v1/figures/{Records.FreshId("figure")}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await admin.GetAsync("/v1/keys")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_revoked_key_is_refused_from_the_next_request_on_as_an_unknown_key_is()
    {
        var created = await KeyClients.Create("Soon revoked", ["write:sources"]);
        using var client = KeyClients.Client((string)created["key"]!);
        var path = SourcePath();
        Assert.That((await client.DeleteAsync(path)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the key works");

        using var admin = TestApi.Writer();
        Assert.That((await admin.DeleteAsync($"/v1/keys/{created["id"]}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var refused = await KeyClients.Refusal(await client.DeleteAsync(path), 401);
        Assert.That(refused, Is.EqualTo(await KeyClients.UnknownKeyRefusal("DELETE", path)));
        Assert.That((await admin.DeleteAsync($"/v1/keys/{created["id"]}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent), "revoking twice changes nothing");
    }

    [Test]
    public async Task An_expired_key_is_refused_as_an_unknown_key_is()
    {
        var created = await KeyClients.Create("Soon expired", ["write:sources"], DateTimeOffset.UtcNow.AddHours(1));
        using var client = KeyClients.Client((string)created["key"]!);
        var path = SourcePath();
        Assert.That((await client.DeleteAsync(path)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the key works before its expiry");

        await TestApi.Database.ScalarAsync<int>("update api_keys set expires_at = now() - interval '1 second' where id = $1 returning 1", (long)created["id"]!);

        var refused = await KeyClients.Refusal(await client.DeleteAsync(path), 401);
        Assert.That(refused, Is.EqualTo(await KeyClients.UnknownKeyRefusal("DELETE", path)));
    }

    [Test]
    public async Task A_mistyped_key_fails_its_checksum_and_is_refused_as_an_unknown_key_is()
    {
        var key = (string)(await KeyClients.Create("Mistyped", ["write:sources"]))["key"]!;
        var typo = key[..10] + (key[10] == 'a' ? 'b' : 'a') + key[11..];
        Assert.That(ApiKeyFormat.IsWellFormed(typo), Is.False, "one changed character breaks the checksum");
        using var client = KeyClients.Client(typo);
        var path = SourcePath();
        var refused = await KeyClients.Refusal(await client.DeleteAsync(path), 401);
        Assert.That(refused, Is.EqualTo(await KeyClients.UnknownKeyRefusal("DELETE", path)));
    }

    [Test]
    public async Task The_list_shows_keys_with_their_last_use_and_never_a_secret()
    {
        var created = await KeyClients.Create("Listed", ["write:actors", "write:sources"]);
        var key = (string)created["key"]!;
        using (var client = KeyClients.Client(key)) await client.DeleteAsync(SourcePath());

        using var admin = TestApi.Writer();
        JsonNode? listed = null;
        var text = "";
        for (var url = "/v1/keys?limit=2"; url is not null && listed is null;)
        {
            var response = await admin.GetAsync(url);
            text = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
            Assert.That(text, Does.Not.Contain(key).And.Not.Contain("obs_"));
            var page = JsonNode.Parse(text)!;
            listed = page["items"]!.AsArray().FirstOrDefault(k => (long)k!["id"]! == (long)created["id"]!);
            url = (string?)page["links"]!["next"];
        }
        Assert.That(listed, Is.Not.Null, text);
        Assert.Multiple(() =>
        {
            Assert.That((string?)listed!["name"], Is.EqualTo("Listed"));
            Assert.That(listed["scopes"]!.AsArray().Select(s => (string?)s), Is.EqualTo(new[] { "write:actors", "write:sources" }));
            Assert.That(listed["lastUsedAt"], Is.Not.Null);
            Assert.That(listed["revokedAt"], Is.Null);
            Assert.That((bool)listed["bootstrap"]!, Is.False);
            Assert.That(listed.AsObject().ContainsKey("key"), Is.False);
        });
    }

    [Test]
    public async Task Key_management_needs_a_key()
    {
        using var anonymous = TestApi.Anonymous();
        await (await anonymous.GetAsync("/v1/keys")).ShouldBeProblem(401);
        await (await anonymous.PostJson("/v1/keys", new { name = "x", scopes = new[] { "admin" } })).ShouldBeProblem(401);
    }

    [Test]
    public async Task A_key_request_with_unknown_scopes_no_name_or_a_past_expiry_is_a_400_naming_them()
    {
        using var admin = TestApi.Writer();
        var response = await admin.PostJson("/v1/keys", new { scopes = new[] { "write:sources", "write:nothing", "delete:sources" }, expiresAt = "2020-01-01T00:00:00Z" });
        await response.ShouldBeValidationProblem("name", "scopes[1]", "scopes[2]", "expiresAt");
        var empty = await admin.PostJson("/v1/keys", new { name = "No scope", scopes = Array.Empty<string>() });
        await empty.ShouldBeValidationProblem("scopes");
        var count = await TestApi.Database.ScalarAsync<long>("select count(*) from api_keys where name = 'No scope'");
        Assert.That(count, Is.Zero, "nothing written");
    }

    [Test]
    public async Task Reading_or_revoking_a_key_that_does_not_exist_is_a_404_problem()
    {
        using var admin = TestApi.Writer();
        await (await admin.DeleteAsync("/v1/keys/999999999")).ShouldBeProblem(404);
        await (await admin.GetAsync("/v1/keys/999999999")).ShouldBeProblem(404);
    }
}
