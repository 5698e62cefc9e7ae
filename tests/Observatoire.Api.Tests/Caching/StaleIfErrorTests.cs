using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Tests.Caching;

/// <summary>
/// A second API instance on the suite's database, reaching PostgreSQL through a relay that the test cuts: its kept
/// answers go on being served, marked stale, while the database cannot be reached, and fresh ones come back after.
/// </summary>
public sealed class StaleIfErrorTests
{
    [Test]
    public async Task While_postgresql_is_unreachable_a_kept_answer_is_served_marked_stale_and_fresh_ones_return_after()
    {
        var database = new NpgsqlConnectionStringBuilder(TestApi.Database.ConnectionString);
        await using var proxy = new TcpProxy(database.Host!, database.Port);
        var proxied = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port, Timeout = 2 };
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Testing")
            .UseSetting("ConnectionStrings:Observatoire", proxied.ConnectionString)
            .UseSetting("Auth:BootstrapKey", TestApi.ApiKey));
        using var client = factory.CreateClient();
        const string url = "/v1/territories/2018-ti2707";
        var fresh = await client.GetAsync(url);
        Assert.That(fresh.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        proxy.Cut();
        // Until the listener sees its connection drop, the version it knows is trusted and the kept answer is fresh.
        var versions = factory.Services.GetRequiredService<DataVersions>();
        var cut = Stopwatch.StartNew();
        while (versions.Listening)
        {
            if (cut.Elapsed > TimeSpan.FromSeconds(10)) Assert.Fail("The data version listener did not notice that PostgreSQL became unreachable.");
            await Task.Delay(20);
        }
        using var meter = new CacheMeter();
        var stale = await client.GetAsync(url);
        Assert.Multiple(async () =>
        {
            Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await stale.Content.ReadAsStringAsync(), Is.EqualTo(await fresh.Content.ReadAsStringAsync()));
            Assert.That(stale.Headers.ETag, Is.EqualTo(fresh.Headers.ETag));
            Assert.That(stale.Headers.Warning.ToString(), Is.EqualTo("110 - \"Response is Stale\""));
            Assert.That(stale.Headers.Age, Is.Not.Null);
            Assert.That(meter.StaleServed, Is.EqualTo(1));
        });
        var neverKept = await client.GetAsync("/v1/territories/2018-ti2708");
        Assert.That((int)neverKept.StatusCode, Is.GreaterThanOrEqualTo(500), "nothing to stand in for an answer never computed");

        proxy.Restore();
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var again = await client.GetAsync(url);
            if (again.StatusCode == HttpStatusCode.OK && again.Headers.Warning.Count == 0) break;
            if (waited.Elapsed > TimeSpan.FromSeconds(15)) Assert.Fail("Fresh answers did not come back once PostgreSQL was reachable.");
            await Task.Delay(50);
        }
    }
}
