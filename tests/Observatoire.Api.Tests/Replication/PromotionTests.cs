using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Observatoire.Api.Tests.Replication;

/// <summary>
/// The primary stops and its standby is promoted: an API instance whose connection strings name both servers
/// keeps reading throughout and writes again once the promoted server accepts them, without a restart.
/// </summary>
[NonParallelizable]
public sealed class PromotionTests
{
    [Test]
    public async Task When_the_standby_is_promoted_reads_go_on_and_writes_resume_without_a_restart()
    {
        await using var servers = await StreamingReplica.StartAsync();
        var both = $"127.0.0.1:{servers.PrimaryPort},127.0.0.1:{servers.StandbyPort}";
        await using var api = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Testing")
            // Writes find whichever server accepts them; host states are checked again every second.
            .UseSetting("ConnectionStrings:Observatoire", StreamingReplica.ApiConnectionString(both,
                "Target Session Attributes=read-write;Host Recheck Seconds=1;Timeout=3"))
            .UseSetting("ConnectionStrings:ObservatoireReadOnly", StreamingReplica.ApiConnectionString(both,
                "Target Session Attributes=prefer-standby;Load Balance Hosts=true;Host Recheck Seconds=1;Timeout=3"))
            .UseSetting("Auth:BootstrapKey", TestApi.ApiKey)
            .UseSetting("Paging:CursorKey", TestApi.CursorKey)
            .UseSetting("Seeds:LoadWhenEmpty", "false")
            .UseSetting("RateLimits:Reads", "1000000")
            .UseSetting("RateLimits:Writes", "1000000"));
        using var writer = api.CreateClient();
        writer.DefaultRequestHeaders.Add("X-Api-Key", TestApi.ApiKey);
        using var reader = api.CreateClient();

        var before = Records.Source();
        Assert.That((await writer.PostJson("/v1/sources", before)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        await servers.CaughtUpAsync();
        await Task.Delay(300);

        await servers.StopPrimaryAsync();
        // The standby alone still answers reads, before and after its promotion.
        Assert.That((await reader.GetAsync($"/v1/sources/{before["id"]}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        // With no primary, a write is refused as a 503 to retry (never half-done on a standby).
        var orphan = await writer.PostJson("/v1/sources", Records.Source());
        TestContext.Out.WriteLine($"A write with no primary: {(int)orphan.StatusCode} {await orphan.Content.ReadAsStringAsync()}");
        Assert.That(orphan.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(orphan.Headers.RetryAfter, Is.Not.Null);
        var promoting = Stopwatch.StartNew();
        await servers.PromoteStandbyAsync();
        TestContext.Out.WriteLine($"pg_ctl promote took {promoting.ElapsedMilliseconds} ms");
        Assert.That((await reader.GetAsync($"/v1/sources/{before["id"]}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var waited = Stopwatch.StartNew();
        var refused = new List<int>();
        var after = Records.Source();
        HttpResponseMessage written;
        while ((written = await writer.PostJson("/v1/sources", after)).StatusCode != HttpStatusCode.Created && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            refused.Add((int)written.StatusCode);
            await Task.Delay(100);
        }
        TestContext.Out.WriteLine($"Writes resumed {waited.ElapsedMilliseconds} ms after the promotion; refused meanwhile: {string.Join(' ', refused)}");
        Assert.That(written.StatusCode, Is.EqualTo(HttpStatusCode.Created), await written.Content.ReadAsStringAsync());
        Assert.That(waited.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        Assert.That(refused, Is.All.EqualTo(503));
        Assert.That((await reader.GetAsync($"/v1/sources/{after["id"]}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
