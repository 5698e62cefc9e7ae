using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Tests.RateLimits;

namespace Observatoire.Api.Tests.Replication;

/// <summary>
/// Two API replicas on one database share each client's budgets: spread over both, a client gets its budget once,
/// not once per replica, and a replica that restarts keeps what was spent.
/// </summary>
public sealed partial class SharedRateLimitTests
{
    private const int Quota = 20;

    private static (string Key, string Value)[] Settings(string scope) =>
    [
        ("RateLimits:Scope", scope), ("RateLimits:SyncMilliseconds", "50"), ("RateLimits:Reads", Quota.ToString()),
        ("RateLimits:FailedAuthentications", "2"),
    ];

    private static string NewScope() => "test-shared-" + Guid.NewGuid();

    /// <summary>Two API instances sharing one scope of counters, once each counts the other.</summary>
    private sealed class TwoReplicas : IAsyncDisposable
    {
        public required LimitedApi First { get; init; }
        public required LimitedApi Second { get; init; }
        public required string Scope { get; init; }

        public static async Task<TwoReplicas> StartAsync()
        {
            var scope = NewScope();
            var replicas = new TwoReplicas
            {
                Scope = scope,
                First = LimitedApi.Start(TestApi.Database.ConnectionString, Settings(scope)),
                Second = LimitedApi.Start(TestApi.Database.ConnectionString, Settings(scope)),
            };
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (new[] { replicas.First, replicas.Second }.Any(api => api.Services.GetRequiredService<SharedRateCounters>().Replicas < 2))
            {
                Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the replicas never saw each other");
                await Task.Delay(20);
            }
            return replicas;
        }

        public async ValueTask DisposeAsync()
        {
            await First.DisposeAsync();
            await Second.DisposeAsync();
        }
    }

    private static int Remaining(HttpResponseMessage response) =>
        int.Parse(RemainingField().Match(response.Headers.GetValues("RateLimit").Single()).Groups[1].Value);

    [Test]
    public async Task A_client_spread_over_two_replicas_gets_its_budget_once()
    {
        await using var replicas = await TwoReplicas.StartAsync();
        using var a = replicas.First.Client(key: TestApi.ApiKey);
        using var b = replicas.Second.Client(key: TestApi.ApiKey);

        var admitted = 0;
        var last = new Dictionary<HttpClient, int>();
        for (var sent = 0; sent < Quota * 2; sent++)
        {
            var client = sent % 2 == 0 ? a : b;
            using var response = await client.GetAsync("/v1/territories?limit=1");
            last[client] = (int)response.StatusCode;
            if ((int)response.StatusCode == 429) await response.ShouldBeProblem(429);
            else admitted += (int)response.StatusCode == 200 ? 1 : throw new AssertionException($"{response.StatusCode}");
        }
        Assert.Multiple(() =>
        {
            Assert.That(admitted, Is.EqualTo(Quota), "admitted over both replicas");
            Assert.That(last.Values, Is.All.EqualTo(429), "both replicas refuse the client once its budget is spent");
        });
        var counted = await TestApi.Database.ScalarAsync<long>(
            $"select coalesce(sum(used), 0) from rate_limit_counters where scope = '{replicas.Scope}' and budget = 'reads'");
        Assert.That(counted, Is.GreaterThanOrEqualTo(Quota), "the shared total in PostgreSQL");
    }

    [Test]
    public async Task What_one_replica_admits_shows_in_the_other_replicas_remaining_budget()
    {
        await using var replicas = await TwoReplicas.StartAsync();
        using var a = replicas.First.Client(key: TestApi.ApiKey);
        using var b = replicas.Second.Client(key: TestApi.ApiKey);

        for (var sent = 0; sent < 5; sent++) (await a.GetAsync("/v1/territories?limit=1")).EnsureSuccessStatusCode();
        // Within two exchanges (50 ms each), the other replica knows.
        await Task.Delay(200);
        using var response = await b.GetAsync("/v1/territories?limit=1");
        Assert.That((int)response.StatusCode, Is.EqualTo(200));
        Assert.That(Remaining(response), Is.EqualTo(Quota - 6));
    }

    [Test]
    public async Task A_replica_that_restarts_keeps_what_its_clients_spent()
    {
        var scope = NewScope();
        await using (var before = LimitedApi.Start(TestApi.Database.ConnectionString, Settings(scope)))
        {
            using var client = before.Client(key: TestApi.ApiKey);
            for (var sent = 0; sent < Quota; sent++) (await client.GetAsync("/v1/territories?limit=1")).EnsureSuccessStatusCode();
            await (await client.GetAsync("/v1/territories?limit=1")).ShouldBeProblem(429);
        }

        await using var after = LimitedApi.Start(TestApi.Database.ConnectionString, Settings(scope));
        using var again = after.Client(key: TestApi.ApiKey);
        await (await again.GetAsync("/v1/territories?limit=1")).ShouldBeProblem(429);
    }

    [Test]
    public async Task Failed_authentications_spent_on_one_replica_are_refused_on_the_other()
    {
        await using var replicas = await TwoReplicas.StartAsync();
        using var guesser = replicas.First.Client(key: "not-a-key", forwardedFor: "203.0.113.30");
        using var elsewhere = replicas.Second.Client(key: "not-a-key-either", forwardedFor: "203.0.113.30");
        using var otherAddress = replicas.Second.Client(key: "not-a-key-either", forwardedFor: "203.0.113.31");

        await (await guesser.PostJson("/v1/sources", new { })).ShouldBeProblem(401);
        await (await guesser.PostJson("/v1/sources", new { })).ShouldBeProblem(401);

        var refused = await (await elsewhere.PostJson("/v1/sources", new { })).ShouldBeProblem(429);
        Assert.That((string?)refused["detail"], Does.Contain("failed authentications"));
        await (await otherAddress.PostJson("/v1/sources", new { })).ShouldBeProblem(401);
    }

    [GeneratedRegex(""";r=(\d+);""")]
    private static partial Regex RemainingField();
}
