using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Tests.Caching;

/// <summary>
/// The read cache through HTTP on the suite's PostgreSQL: what it serves from memory, what a commit (of this process
/// or of anyone else) invalidates, and how fast. Invalidation by every kind of write of every collection is in
/// Collections/CollectionBehaviourTests.
/// </summary>
public sealed class ReadCacheTests
{
    /// <summary>The bound on staleness for commits made elsewhere (README, "Caching").</summary>
    private static readonly TimeSpan StalenessBound = TimeSpan.FromMilliseconds(100);

    private readonly HttpClient _client = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    private static DataVersions Versions => TestApi.Factory.Services.GetRequiredService<DataVersions>();

    [Test]
    public async Task A_repeated_read_is_served_from_memory_with_the_same_body_and_validators()
    {
        var id = await Records.NewSource();
        using var meter = new CacheMeter();
        var first = await _client.GetAsync($"/v1/sources/{id}");
        var second = await _client.GetAsync($"/v1/sources/{id}");
        Assert.Multiple(async () =>
        {
            Assert.That((meter.Misses, meter.Hits), Is.EqualTo((1L, 1L)), "computed once, then served from memory");
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await second.Content.ReadAsStringAsync(), Is.EqualTo(await first.Content.ReadAsStringAsync()));
            Assert.That(second.Content.Headers.ContentType, Is.EqualTo(first.Content.Headers.ContentType));
            Assert.That(second.Headers.ETag, Is.EqualTo(first.Headers.ETag));
            Assert.That(second.Content.Headers.LastModified, Is.EqualTo(first.Content.Headers.LastModified));
            Assert.That(second.Headers.Age, Is.Null, "a fresh answer is not marked stale");
        });
    }

    [Test]
    public async Task A_repeated_conditional_read_is_a_304_until_a_write_makes_it_a_200_with_a_new_etag()
    {
        var id = await Records.NewSource();
        var url = $"/v1/sources/{id}";
        var etag = (await _client.GetAsync(url)).Headers.ETag!;
        using (var meter = new CacheMeter())
        {
            for (var i = 0; i < 3; i++)
            {
                var again = await Conditional(url, etag);
                Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotModified), "nothing was written since");
            }
            Assert.That(meter.Misses, Is.Zero, "a 304 computes nothing");
        }

        using var writer = TestApi.Writer();
        (await writer.PutJson(url, Records.Source(id))).EnsureSuccessStatusCode();
        var changed = await Conditional(url, etag);
        Assert.Multiple(() =>
        {
            Assert.That(changed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(changed.Headers.ETag, Is.Not.EqualTo(etag));
        });
        Assert.That((await Conditional(url, changed.Headers.ETag!)).StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
    }

    [Test]
    public async Task An_error_answer_is_never_kept()
    {
        var url = $"/v1/sources/{Records.FreshId("source")}";
        using var meter = new CacheMeter();
        var first = await _client.GetAsync(url);
        var second = await _client.GetAsync(url);
        Assert.Multiple(async () =>
        {
            await first.ShouldBeProblem(404);
            await second.ShouldBeProblem(404);
            Assert.That(second.Headers.ETag, Is.Null);
            Assert.That((meter.Misses, meter.Hits), Is.EqualTo((2L, 0L)), "each 404 was computed");
        });
    }

    [Test]
    public async Task Concurrent_misses_of_one_representation_make_one_computation()
    {
        const int clients = 16;
        var url = $"/v1/territories?limit={Random.Shared.Next(100, 200)}&sort=-name";
        using var meter = new CacheMeter();
        using var start = new SemaphoreSlim(0);
        var reads = Enumerable.Range(0, clients).Select(async _ =>
        {
            await start.WaitAsync();
            var response = await _client.GetAsync(url);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }).ToList();
        start.Release(clients);
        var answers = await Task.WhenAll(reads);
        Assert.Multiple(() =>
        {
            Assert.That(answers.Select(a => a.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
            Assert.That(answers.Select(a => a.Item2).Distinct().Count(), Is.EqualTo(1), "one body for all");
            Assert.That((meter.Misses, meter.Hits), Is.EqualTo((1L, (long)clients - 1)), "one computation, shared");
        });
    }

    [Test]
    public async Task A_commit_made_in_sql_on_another_connection_is_seen_within_the_bound()
    {
        var id = await Records.NewSource();
        var url = $"/v1/sources/{id}";
        await Until(() => Versions.Listening, TimeSpan.FromSeconds(10), "the listener is connected");
        await _client.GetAsync(url);
        Assert.That(await _client.GetStringAsync(url), Does.Not.Contain("Titre changé en SQL"), "served from memory");

        using var meter = new CacheMeter();
        var seenAfter = await CommitThenPoll(url, id, "Titre changé en SQL");
        Assert.Multiple(() =>
        {
            Assert.That(seenAfter, Is.LessThanOrEqualTo(StalenessBound));
            Assert.That(meter.Lags, Is.Not.Empty, "the invalidation lag was measured");
        });
    }

    [Test]
    public async Task A_lost_notification_connection_never_serves_stale_data_and_the_cache_recovers()
    {
        var id = await Records.NewSource();
        var url = $"/v1/sources/{id}";
        await Until(() => Versions.Listening, TimeSpan.FromSeconds(10), "the listener is connected");
        await _client.GetAsync(url);

        var terminated = await TestApi.Database.ScalarAsync<long>(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name = $1 and datname = current_database()",
            DataVersionListener.ApplicationName);
        Assert.That(terminated, Is.EqualTo(1), "the listening connection was found and ended");
        Assert.That(await CommitThenPoll(url, id, "Changé sans écoute"), Is.LessThanOrEqualTo(StalenessBound), "seen while not listening");

        await Until(() => Versions.Listening, TimeSpan.FromSeconds(10), "the listener is back");
        Assert.That(await CommitThenPoll(url, id, "Changé après retour"), Is.LessThanOrEqualTo(StalenessBound), "seen once listening again");
        using var meter = new CacheMeter();
        await _client.GetAsync(url);
        Assert.That(meter.Hits, Is.EqualTo(1), "served from memory again");
    }

    /// <summary>Commits a new title in SQL on its own connection, then reads until it shows: the time it took after the commit.</summary>
    private async Task<TimeSpan> CommitThenPoll(string url, string id, string title)
    {
        await using (var connection = new NpgsqlConnection(TestApi.Database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var update = new NpgsqlCommand("update sources set title = $1 where id = $2", connection)
            {
                Parameters = { new() { Value = title }, new() { Value = id } },
            };
            Assert.That(await update.ExecuteNonQueryAsync(), Is.EqualTo(1));
        }
        var committed = Stopwatch.StartNew();
        while (true)
        {
            if ((await _client.GetStringAsync(url)).Contains(title)) return committed.Elapsed;
            if (committed.Elapsed > TimeSpan.FromSeconds(5)) Assert.Fail($"The commit was not seen after {committed.Elapsed}.");
            await Task.Delay(2);
        }
    }

    private async Task<HttpResponseMessage> Conditional(string url, EntityTagHeaderValue etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.IfNoneMatch.Add(etag);
        return await _client.SendAsync(request);
    }

    private static async Task Until(Func<bool> condition, TimeSpan deadline, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > deadline) Assert.Fail($"Not true after {deadline}: {what}.");
            await Task.Delay(10);
        }
    }
}
