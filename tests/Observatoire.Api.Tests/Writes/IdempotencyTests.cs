using System.Net;
using System.Text.Json;
using Npgsql;

namespace Observatoire.Api.Tests.Writes;

/// <summary>What is particular to Idempotency-Key besides the behaviours every collection shares (SafeWriteBehaviourTests).</summary>
public sealed class IdempotencyTests
{
    private readonly HttpClient _writer = TestApi.Writer();
    private readonly HttpClient _anonymous = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose()
    {
        _writer.Dispose();
        _anonymous.Dispose();
    }

    private static HttpRequestMessage Post(Dictionary<string, object?> body, string key) => new(HttpMethod.Post, "/v1/sources")
    {
        Content = HttpAssertions.RawJson(JsonSerializer.Serialize(body, HttpAssertions.Json)),
        Headers = { { "Idempotency-Key", $"\"{key}\"" } },
    };

    [Test]
    public async Task A_retry_while_the_first_request_is_still_running_is_a_409_and_a_later_retry_gets_the_first_answer()
    {
        var body = Records.Source();
        var key = Guid.NewGuid().ToString();
        // Another transaction holds the id uncommitted: the first request waits on it inside its own transaction.
        await using var blocker = new NpgsqlConnection(TestApi.Database.ConnectionString);
        await blocker.OpenAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("insert into sources (id, url) values ($1, 'https://example.org/blocker')", blocker, transaction))
        {
            insert.Parameters.AddWithValue((string)body["id"]!);
            await insert.ExecuteNonQueryAsync();
        }
        using var firstClient = TestApi.Writer();
        var first = firstClient.SendAsync(Post(body, key));
        await WaitUntilWaitingAsync();

        var retry = await _writer.SendAsync(Post(body, key));
        var problem = await retry.ShouldBeProblem(409);
        Assert.That((string?)problem["detail"], Does.Contain("still being processed"));

        await transaction.RollbackAsync();
        var answered = await first;
        Assert.That(answered.StatusCode, Is.EqualTo(HttpStatusCode.Created), await answered.Content.ReadAsStringAsync());
        var later = await _writer.SendAsync(Post(body, key));
        Assert.Multiple(async () =>
        {
            Assert.That(later.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(later.Headers.GetValues("Idempotent-Replayed").Single(), Is.EqualTo("true"));
            Assert.That(await later.Content.ReadAsStringAsync(), Is.EqualTo(await answered.Content.ReadAsStringAsync()));
        });
    }

    // The first request's insert waits for the blocking transaction's lock.
    private static async Task WaitUntilWaitingAsync()
    {
        for (var i = 0; i < 200; i++)
        {
            if (await TestApi.Database.ScalarAsync<long>(
                    "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query like 'insert into sources%'") > 0) return;
            await Task.Delay(25);
        }
        Assert.Fail("The first request never waited for the blocking transaction.");
    }

    [Test]
    public async Task Keys_belong_to_the_api_key_that_sent_them()
    {
        var key = Guid.NewGuid().ToString();
        var (secret, _) = await WriteKeys.NewPartnerKeyAsync();
        using var partner = WriteKeys.Client(secret);
        var mine = await _writer.SendAsync(Post(Records.Source(), key));
        var theirs = await partner.SendAsync(Post(Records.Source(), key));
        Assert.Multiple(() =>
        {
            Assert.That(mine.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(theirs.StatusCode, Is.EqualTo(HttpStatusCode.Created), "another API key's use of the same key is another request");
            Assert.That(theirs.Headers.Contains("Idempotent-Replayed"), Is.False);
            Assert.That(theirs.Headers.Location, Is.Not.EqualTo(mine.Headers.Location));
        });
    }

    [Test]
    public async Task A_key_older_than_24_hours_is_forgotten_and_a_malformed_one_is_a_400()
    {
        var key = Guid.NewGuid().ToString();
        var body = Records.Source();
        Assert.That((await _writer.SendAsync(Post(body, key))).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        await TestApi.Database.ScalarAsync<int>("update idempotency_keys set created_at = now() - interval '25 hours' where key = $1", key);
        // Replayed no more: the create runs again, and meets the record the first one made.
        await (await _writer.SendAsync(Post(body, key))).ShouldBeProblem(409);
        Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from idempotency_keys where key = $1", key), Is.EqualTo(1));

        using var malformed = Post(Records.Source(), "x");
        malformed.Headers.Remove("Idempotency-Key");
        malformed.Headers.TryAddWithoutValidation("Idempotency-Key", "\"\"");
        await (await _writer.SendAsync(malformed)).ShouldBeValidationProblem("Idempotency-Key");
    }

    [Test]
    public async Task Without_a_valid_api_key_a_create_with_a_key_is_a_401_and_stores_nothing()
    {
        var key = Guid.NewGuid().ToString();
        await (await _anonymous.SendAsync(Post(Records.Source(), key))).ShouldBeProblem(401);
        Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from idempotency_keys where key = $1", key), Is.EqualTo(0));
    }
}
