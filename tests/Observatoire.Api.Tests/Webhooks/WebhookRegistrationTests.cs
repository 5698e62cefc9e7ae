using System.Net;
using Observatoire.Api.Tests.Keys;

namespace Observatoire.Api.Tests.Webhooks;

/// <summary>Registering, reading and removing endpoints: any valid key manages its own, an admin key sees all.</summary>
public sealed class WebhookRegistrationTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    [Test]
    public async Task An_invalid_registration_is_a_problem_naming_each_field_and_nothing_is_stored()
    {
        using var admin = TestApi.Writer();
        var before = (await (await admin.GetAsync("/v1/webhooks?limit=200")).JsonBody())["items"]!.AsArray().Count;
        await (await admin.PostJson("/v1/webhooks", new { url = "/relative", collections = new[] { "sources" } })).ShouldBeValidationProblem("url");
        await (await admin.PostJson("/v1/webhooks", new { url = "ftp://partner.example/x", collections = new[] { "sources" } })).ShouldBeValidationProblem("url");
        await (await admin.PostJson("/v1/webhooks", new { url = "https://10.0.0.7/hook", collections = new[] { "sources" } })).ShouldBeValidationProblem("url");
        await (await admin.PostJson("/v1/webhooks", new { url = "https://[::ffff:192.168.1.1]/hook", collections = new[] { "sources" } })).ShouldBeValidationProblem("url");
        await (await admin.PostJson("/v1/webhooks", new { url = "https://partner.example/hook", collections = Array.Empty<string>() })).ShouldBeValidationProblem("collections");
        await (await admin.PostJson("/v1/webhooks", new { url = "https://partner.example/hook", collections = new[] { "sources", "nothing" } })).ShouldBeValidationProblem("collections[1]");
        await (await admin.PostJson("/v1/webhooks", new { url = "https://partner.example/hook", collections = new[] { "sources" }, secret = "whsec_c2hvcnQ=" })).ShouldBeValidationProblem("secret");
        await (await admin.PostJson("/v1/webhooks", new { url = "https://partner.example/hook", collections = new[] { "sources" }, secret = "plain" })).ShouldBeValidationProblem("secret");
        await (await admin.PostAsync("/v1/webhooks", HttpAssertions.RawJson("{\"url\": "))).ShouldBeProblem(400);
        var after = (await (await admin.GetAsync("/v1/webhooks?limit=200")).JsonBody())["items"]!.AsArray().Count;
        Assert.That(after, Is.EqualTo(before));
    }

    [Test]
    public async Task Webhooks_need_a_valid_key()
    {
        using var anonymous = TestApi.Anonymous();
        await (await anonymous.PostJson("/v1/webhooks", new { url = "https://partner.example/hook", collections = new[] { "sources" } })).ShouldBeProblem(401);
        await (await anonymous.GetAsync("/v1/webhooks")).ShouldBeProblem(401);
    }

    [Test]
    public async Task A_key_manages_its_own_endpoints_only_and_an_admin_key_sees_every_one()
    {
        var partner = (string)(await KeyClients.Create("webhook partner", ["write:sources"]))["key"]!;
        var other = (string)(await KeyClients.Create("another partner", ["write:actors"]))["key"]!;
        using var owner = KeyClients.Client(partner);
        using var stranger = KeyClients.Client(other);
        using var admin = TestApi.Writer();

        var response = await owner.PostJson("/v1/webhooks", new { url = "https://partner.example/hooks/obs", collections = new[] { "territories", "resources" }, secret = Secret });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var created = await response.JsonBody();
        var id = (long)created["id"]!;
        Assert.Multiple(() =>
        {
            Assert.That((string?)created["secret"], Is.EqualTo(Secret));
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/v1/webhooks/{id}"));
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        });

        var read = await (await owner.GetAsync($"/v1/webhooks/{id}")).JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That(read.AsObject().ContainsKey("secret"), Is.False, "the secret is shown once");
            Assert.That((bool)read["state"]!["enabled"]!, Is.True);
            Assert.That(read["collections"]!.AsArray().Select(c => (string?)c), Is.EqualTo(new[] { "territories", "resources" }));
        });
        var own = (await (await owner.GetAsync("/v1/webhooks")).JsonBody())["items"]!.AsArray();
        Assert.That(own.Select(w => (long)w!["id"]!), Is.EqualTo(new[] { id }));
        var theirs = (await (await stranger.GetAsync("/v1/webhooks")).JsonBody())["items"]!.AsArray();
        Assert.That(theirs, Is.Empty);
        var all = await Records.ReadAll(admin, "/v1/webhooks?limit=2");
        Assert.That(all.Select(w => (long)w["id"]!), Does.Contain(id));

        await (await stranger.GetAsync($"/v1/webhooks/{id}")).ShouldBeProblem(404);
        await (await stranger.GetAsync($"/v1/webhooks/{id}/attempts")).ShouldBeProblem(404);
        await (await stranger.DeleteAsync($"/v1/webhooks/{id}")).ShouldBeProblem(404);
        await (await stranger.PostAsync($"/v1/webhooks/{id}/enable", null)).ShouldBeProblem(404);
        var enabled = await owner.PostAsync($"/v1/webhooks/{id}/enable", null);
        Assert.That((bool)(await enabled.JsonBody())["state"]!["enabled"]!, Is.True, "enabling an enabled endpoint changes nothing");
        var attempts = await (await owner.GetAsync($"/v1/webhooks/{id}/attempts")).JsonBody();
        Assert.That(attempts["items"]!.AsArray(), Is.Empty);

        Assert.That((await owner.DeleteAsync($"/v1/webhooks/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await (await owner.GetAsync($"/v1/webhooks/{id}")).ShouldBeProblem(404);
        await (await admin.DeleteAsync($"/v1/webhooks/{id}")).ShouldBeProblem(404);
    }

    [Test]
    public async Task An_endpoint_of_a_revoked_key_is_shown_disabled_with_the_reason()
    {
        var key = await KeyClients.Create("short-lived partner", ["write:sources"]);
        using var owner = KeyClients.Client((string)key["key"]!);
        var created = await (await owner.PostJson("/v1/webhooks", new { url = "https://partner.example/hooks/gone", collections = new[] { "sources" } })).JsonBody();
        using var admin = TestApi.Writer();
        Assert.That((await admin.DeleteAsync($"/v1/keys/{(long)key["id"]!}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var state = (await (await admin.GetAsync($"/v1/webhooks/{(long)created["id"]!}")).JsonBody())["state"]!;
        Assert.Multiple(() =>
        {
            Assert.That((bool)state["enabled"]!, Is.False);
            Assert.That((string?)state["reason"], Does.Contain("revoked"));
        });
        await admin.DeleteAsync($"/v1/webhooks/{(long)created["id"]!}");
    }
}
