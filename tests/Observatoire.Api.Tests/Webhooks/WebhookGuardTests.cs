using System.Net;
using Observatoire.Api.Webhooks;

namespace Observatoire.Api.Tests.Webhooks;

/// <summary>Outbound requests never reach private addresses unless allowed, and an endpoint failing too long is disabled.</summary>
[NonParallelizable]
public sealed class WebhookGuardTests
{
    [Test]
    public async Task A_name_resolving_to_loopback_is_refused_at_connection_and_the_attempt_says_why()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var api = WebhookApis.Start(allowPrivateNetworks: false);
        using var client = WebhookApis.Client(api);
        // A literal private address is refused on registration; a name is judged on each connection.
        await (await client.PostJson("/v1/webhooks", new { url = receiver.Url, collections = new[] { "sources" } })).ShouldBeValidationProblem("url");
        var endpoint = await WebhookApis.Register(client, $"http://localhost:{receiver.Port}/hook", "sources");
        var endpointId = (long)endpoint["id"]!;

        await Records.NewSource();
        var attempts = await WebhookApis.WaitForAttempts(client, endpointId, items => items.Count >= 1);

        Assert.Multiple(() =>
        {
            Assert.That((bool)attempts[0]!["delivered"]!, Is.False);
            Assert.That((int?)attempts[0]!["status"], Is.Null);
            Assert.That((string?)attempts[0]!["error"], Does.Contain("loopback").And.Contain("Webhooks:AllowPrivateNetworks"));
            Assert.That(receiver.All, Is.Empty, "nothing reached the receiver");
        });
        await client.DeleteAsync($"/v1/webhooks/{endpointId}");
    }

    [Test]
    public async Task An_endpoint_failing_for_the_whole_retry_window_is_disabled_with_the_reason_and_enabling_it_sends_what_waits()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = _ => 500;
        await using var api = WebhookApis.Start(retryWindow: "00:00:00.5");
        using var client = WebhookApis.Client(api);
        var endpoint = await WebhookApis.Register(client, receiver.Url, "sources");
        var endpointId = (long)endpoint["id"]!;

        var id = await Records.NewSource();
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        System.Text.Json.Nodes.JsonNode state;
        do
        {
            await Task.Delay(100);
            state = (await (await client.GetAsync($"/v1/webhooks/{endpointId}")).JsonBody())["state"]!;
        } while ((bool)state["enabled"]! && DateTime.UtcNow < limit);

        Assert.Multiple(() =>
        {
            Assert.That((bool)state["enabled"]!, Is.False);
            Assert.That((string?)state["reason"], Does.Contain("retry window").And.Contain("500"));
            Assert.That((string?)state["disabledAt"], Is.Not.Null);
            Assert.That((long)state["pending"]!, Is.GreaterThanOrEqualTo(1), "the notification is kept");
        });
        var sent = receiver.All.Count;
        Assert.That(sent, Is.GreaterThanOrEqualTo(2), "retried before giving up");
        await Task.Delay(500);
        Assert.That(receiver.All, Has.Count.EqualTo(sent), "nothing more is sent to a disabled endpoint");

        receiver.Answer = _ => 200;
        var enabled = await client.PostAsync($"/v1/webhooks/{endpointId}/enable", null);
        Assert.That(enabled.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var after = (await enabled.JsonBody())["state"]!;
        Assert.Multiple(() =>
        {
            Assert.That((bool)after["enabled"]!, Is.True);
            Assert.That((string?)after["reason"], Is.Null);
        });
        await receiver.WaitForIds([id]);
        await client.DeleteAsync($"/v1/webhooks/{endpointId}");
    }

    [TestCase("127.0.0.1", "loopback")]
    [TestCase("10.1.2.3", "private")]
    [TestCase("172.31.255.255", "private")]
    [TestCase("192.168.0.1", "private")]
    [TestCase("100.64.0.1", "shared")]
    [TestCase("169.254.169.254", "link-local")]
    [TestCase("0.0.0.0", "unspecified")]
    [TestCase("224.0.0.1", "multicast")]
    [TestCase("::1", "loopback")]
    [TestCase("::", "unspecified")]
    [TestCase("fe80::1", "link-local")]
    [TestCase("fd12:3456::1", "unique local")]
    [TestCase("ff02::1", "multicast")]
    [TestCase("::ffff:127.0.0.1", "loopback")]
    [TestCase("::ffff:10.0.0.1", "private")]
    [TestCase("64:ff9b::a9fe:a9fe", "link-local")]
    [TestCase("2002:c0a8:0101::1", "private")]
    public void A_refused_address_is_named_with_its_kind(string address, string kind) =>
        Assert.That(OutboundAddresses.RefusalOf(IPAddress.Parse(address)), Does.Contain(kind));

    [TestCase("8.8.8.8")]
    [TestCase("193.51.24.1")]
    [TestCase("2606:4700:4700::1111")]
    [TestCase("::ffff:8.8.8.8")]
    public void A_public_address_is_allowed(string address) =>
        Assert.That(OutboundAddresses.RefusalOf(IPAddress.Parse(address)), Is.Null);
}
