using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Observatoire.Api.Tests.Caching;

/// <summary>Cache:Enabled=false, as the benchmarks use it: no 200 is kept in memory, validators and 304s stay.</summary>
public sealed class CacheSwitchTests
{
    [Test]
    public async Task With_the_cache_switched_off_every_read_is_computed_and_conditional_reads_still_get_304()
    {
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Testing")
            .UseSetting("ConnectionStrings:Observatoire", TestApi.Database.ConnectionString)
            .UseSetting("Auth:BootstrapKey", TestApi.ApiKey)
            .UseSetting("Cache:Enabled", "false"));
        using var client = factory.CreateClient();
        const string url = "/v1/territories/2018-ti2707";
        await client.GetAsync(url);

        using var meter = new CacheMeter();
        var first = await client.GetAsync(url);
        var second = await client.GetAsync(url);
        using var conditional = new HttpRequestMessage(HttpMethod.Get, url);
        conditional.Headers.IfNoneMatch.Add(second.Headers.ETag!);
        var notModified = await client.SendAsync(conditional);
        Assert.Multiple(async () =>
        {
            // A record's ETag is the hash of its body: with nothing kept, the conditional read computes it too.
            Assert.That((meter.Misses, meter.Hits), Is.EqualTo((3L, 0L)), "every read computed, none from memory");
            Assert.That(await second.Content.ReadAsStringAsync(), Is.EqualTo(await first.Content.ReadAsStringAsync()));
            Assert.That(second.Headers.ETag, Is.EqualTo(first.Headers.ETag));
            Assert.That(notModified.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        });
    }
}
