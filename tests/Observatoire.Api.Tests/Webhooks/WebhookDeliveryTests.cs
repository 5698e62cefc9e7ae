using System.Net;
using Microsoft.AspNetCore.Http;
using Npgsql;
using StandardWebhooks;

namespace Observatoire.Api.Tests.Webhooks;

/// <summary>
/// Notifications of committed changes reach a partner's endpoint (a local receiver), signed, in order, retried
/// until accepted, never for a rolled-back write, and across a restart of the API.
/// </summary>
[NonParallelizable]
public sealed class WebhookDeliveryTests
{
    [Test]
    public async Task A_committed_write_is_notified_signed_with_the_feed_position_to_read_it_from()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var api = WebhookApis.Start();
        using var client = WebhookApis.Client(api);
        var endpoint = await WebhookApis.Register(client, receiver.Url, "sources");
        var secret = (string)endpoint["secret"]!;
        Assert.That(secret, Does.StartWith("whsec_"));
        receiver.UseSecret(secret);

        var id = await Records.NewSource();
        var notification = (await receiver.WaitForIds([id])).Single(r => r.Ids.Contains(id));

        var change = notification.Json["data"]!["changes"]!.AsArray().Single(c => (string)c!["id"]! == id)!;
        Assert.Multiple(() =>
        {
            Assert.That(notification.Verified, "the signature verifies with the secret answered on registration");
            Assert.That(notification.MessageId, Does.StartWith("msg_"));
            Assert.That(notification.Signature, Does.StartWith("v1,"));
            Assert.That((string?)notification.Json["type"], Is.EqualTo("changes.committed"));
            Assert.That((string?)change["collection"], Is.EqualTo("sources"));
            Assert.That((string?)change["operation"], Is.EqualTo("created"));
            Assert.That((string?)change["href"], Is.EqualTo($"/v1/sources/{id}"));
        });
        // The same body altered by one character no longer verifies: the check can fail.
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = notification.MessageId, ["webhook-timestamp"] = notification.Timestamp, ["webhook-signature"] = notification.Signature,
        };
        Assert.Throws(Is.InstanceOf<Exception>(), () => new StandardWebhook(secret).Verify(notification.Body.Replace(id, id + "x"), headers));

        // The since token reads the change from the feed, where it is the first entry.
        using var reader = TestApi.Anonymous();
        var since = (string)notification.Json["data"]!["since"]!;
        var page = await (await reader.GetAsync($"/v1/changes?since={Uri.EscapeDataString(since)}")).JsonBody();
        Assert.That((string?)page["items"]![0]!["id"], Is.EqualTo((string)notification.Json["data"]!["changes"]![0]!["id"]!));
        var next = (string)notification.Json["data"]!["next"]!;
        var after = await (await reader.GetAsync($"/v1/changes?since={Uri.EscapeDataString(next)}")).JsonBody();
        Assert.That(after["items"]!.AsArray().Select(i => (string?)i!["id"]), Does.Not.Contain(id), "next reads what follows");

        await client.DeleteAsync($"/v1/webhooks/{(long)endpoint["id"]!}");
    }

    [Test]
    public async Task Notifications_reach_an_endpoint_in_commit_order()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var api = WebhookApis.Start();
        using var client = WebhookApis.Client(api);
        var endpoint = await WebhookApis.Register(client, receiver.Url, "sources");
        receiver.UseSecret((string)endpoint["secret"]!);

        var ids = new List<string>();
        for (var i = 0; i < 6; i++) ids.Add(await Records.NewSource());
        var received = await receiver.WaitForIds(ids);

        var order = received.SelectMany(r => r.Ids).Where(ids.Contains).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(order, Is.EqualTo(ids), "each change once, in the order of the commits");
            Assert.That(received.All(r => r.Verified));
            Assert.That(received.Select(r => r.MessageId), Is.Unique);
        });
        await client.DeleteAsync($"/v1/webhooks/{(long)endpoint["id"]!}");
    }

    [Test]
    public async Task Two_delivering_replicas_send_each_notification_once_and_in_order()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var first = WebhookApis.Start();
        await using var second = WebhookApis.Start();
        using var client = WebhookApis.Client(first);
        var endpoint = await WebhookApis.Register(client, receiver.Url, "sources");
        receiver.UseSecret((string)endpoint["secret"]!);

        var ids = new List<string>();
        for (var i = 0; i < 10; i++) ids.Add(await Records.NewSource());
        var received = await receiver.WaitForIds(ids);
        // Both workers kept polling meanwhile: a second send would have arrived by now.
        await Task.Delay(300);

        Assert.Multiple(() =>
        {
            Assert.That(receiver.All.Select(r => r.MessageId), Is.Unique, "no notification was sent twice");
            Assert.That(receiver.All.SelectMany(r => r.Ids).Where(ids.Contains), Is.EqualTo(ids));
            Assert.That(received.All(r => r.Verified));
        });
        await client.DeleteAsync($"/v1/webhooks/{(long)endpoint["id"]!}");
    }

    [Test]
    public async Task A_failing_endpoint_is_retried_until_it_accepts_and_later_notifications_wait_for_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var calls = 0;
        receiver.Answer = _ => Interlocked.Increment(ref calls) <= 2 ? 500 : 200;
        await using var api = WebhookApis.Start();
        using var client = WebhookApis.Client(api);
        var endpoint = await WebhookApis.Register(client, receiver.Url, "sources");
        var endpointId = (long)endpoint["id"]!;
        receiver.UseSecret((string)endpoint["secret"]!);

        var first = await Records.NewSource();
        await WebhookApis.WaitForAttempts(client, endpointId, items => items.Count >= 1);
        var second = await Records.NewSource();
        var accepted = await receiver.WaitForIds([first, second]);

        var forFirst = receiver.All.Where(r => r.Ids.Contains(first)).ToList();
        var attempts = await WebhookApis.WaitForAttempts(client, endpointId, items => items.Count(a => (bool)a!["delivered"]!) == accepted.Count);
        var oldestFirst = attempts.Reverse().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(forFirst.Select(r => r.AnsweredStatus), Is.EqualTo(new[] { 500, 500, 200 }));
            Assert.That(forFirst.Select(r => r.MessageId).Distinct().Count(), Is.EqualTo(1), "a retry is the same message");
            Assert.That(accepted.SelectMany(r => r.Ids).Where(i => i == first || i == second), Is.EqualTo(new[] { first, second }),
                "the later notification waited for the failing one");
            Assert.That(oldestFirst.Take(3).Select(a => (int?)a!["status"]), Is.EqualTo(new int?[] { 500, 500, 200 }));
            Assert.That((string?)oldestFirst[0]!["error"], Does.Contain("500"));
            Assert.That((string?)oldestFirst[2]!["error"], Is.Null);
        });
        await client.DeleteAsync($"/v1/webhooks/{endpointId}");
    }

    [Test]
    public async Task A_rolled_back_write_is_never_notified()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var api = WebhookApis.Start();
        using var client = WebhookApis.Client(api);
        var endpoint = await WebhookApis.Register(client, receiver.Url, "sources");
        receiver.UseSecret((string)endpoint["secret"]!);

        var rolledBack = Records.FreshId("source");
        await using (var connection = new NpgsqlConnection(TestApi.Database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using var insert = new NpgsqlCommand("insert into sources (id, url) values ($1, 'https://example.org/rolled-back')", connection, transaction)
            {
                Parameters = { new() { Value = rolledBack } },
            };
            Assert.That(await insert.ExecuteNonQueryAsync(), Is.EqualTo(1));
            await transaction.RollbackAsync();
        }
        var committed = await Records.NewSource();
        await receiver.WaitForIds([committed]);

        Assert.That(receiver.All.SelectMany(r => r.Ids), Does.Not.Contain(rolledBack));
        await client.DeleteAsync($"/v1/webhooks/{(long)endpoint["id"]!}");
    }

    [Test]
    public async Task A_notification_pending_when_the_api_stops_is_delivered_after_it_restarts()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = _ => 503;
        long endpointId;
        string id;
        await using (var before = WebhookApis.Start())
        {
            using var client = WebhookApis.Client(before);
            var endpoint = await WebhookApis.Register(client, receiver.Url, "sources");
            endpointId = (long)endpoint["id"]!;
            receiver.UseSecret((string)endpoint["secret"]!);
            id = await Records.NewSource();
            await WebhookApis.WaitForAttempts(client, endpointId, items => items.Count >= 1);
        }
        var refusedMessage = receiver.All.First(r => r.Ids.Contains(id)).MessageId;
        receiver.Answer = _ => 200;

        await using var after = WebhookApis.Start();
        var delivered = (await receiver.WaitForIds([id])).Single(r => r.Ids.Contains(id));
        Assert.Multiple(() =>
        {
            Assert.That(delivered.MessageId, Is.EqualTo(refusedMessage), "the same notification, kept in the database");
            Assert.That(delivered.Verified);
        });
        using var cleanup = WebhookApis.Client(after);
        Assert.That((await cleanup.DeleteAsync($"/v1/webhooks/{endpointId}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }
}
