using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Tests.Caching;

/// <summary>The read cache's memory budget, at the unit of the cache (filling it through HTTP would take 64 MiB of answers).</summary>
public sealed class MemoryBudgetTests
{
    [Test]
    public async Task The_cache_stays_within_its_budget_and_evicts_the_least_recently_used_answers_first()
    {
        const long budget = 20_000;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Cache:SizeLimitBytes"] = budget.ToString() }).Build();
        using var cache = new ReadCache(configuration);
        static CachedAnswer Answer(long version) => new(version, DateTime.UtcNow, "\"e\"", new byte[1000], [], DateTimeOffset.UtcNow);

        cache.Store("kept", Answer(1));
        for (var n = 0; n < 60; n++)
        {
            Assert.That(cache.Latest("kept"), Is.Not.Null, $"the answer read all along is still there after {n} others");
            cache.Store($"other-{n}", Answer(1));
            await Task.Delay(5);
        }

        var waited = Stopwatch.StartNew();
        List<string> present;
        do
        {
            await Task.Delay(20);
            present = Enumerable.Range(0, 60).Select(n => $"other-{n}").Where(k => cache.Latest(k) is not null).ToList();
        } while (present.Count * Answer(1).Size > budget && waited.Elapsed < TimeSpan.FromSeconds(5));

        Assert.Multiple(() =>
        {
            Assert.That((present.Count + 1) * (Answer(1).Size + 20), Is.LessThanOrEqualTo(budget), "within the budget");
            Assert.That(cache.Latest("kept"), Is.Not.Null, "the most recently used stays");
            Assert.That(cache.Latest("other-0"), Is.Null, "the least recently used went first");
            Assert.That(present, Does.Contain("other-59"), "recent answers are kept");
        });
    }

    [Test]
    public void An_older_version_never_replaces_a_newer_one()
    {
        using var cache = new ReadCache(new ConfigurationBuilder().Build());
        cache.Store("k", new CachedAnswer(7, DateTime.UtcNow, "\"7\"", [7], [], DateTimeOffset.UtcNow));
        cache.Store("k", new CachedAnswer(6, DateTime.UtcNow, "\"6\"", [6], [], DateTimeOffset.UtcNow));
        Assert.That(cache.Latest("k")!.Version, Is.EqualTo(7));
    }
}
