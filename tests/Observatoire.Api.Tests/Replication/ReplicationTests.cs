using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Tests.Replication;

/// <summary>
/// Two API instances on a primary and its streaming standby: one reads on the standby (ObservatoireReadOnly), the
/// other on the primary. Replay is paused on the standby to make visible which server answered.
/// </summary>
[NonParallelizable]
public sealed class ReplicationTests
{
    private const int PollMilliseconds = 50;

    private StreamingReplica _servers = null!;
    private WebApplicationFactory<Program> _onStandby = null!;
    private WebApplicationFactory<Program> _onPrimary = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _servers = await StreamingReplica.StartAsync();
        _onPrimary = Api(null);
        _onPrimary.CreateClient().Dispose();
        // As in production: the standby first, the primary as a fallback; reads prefer the standby.
        _onStandby = Api(StreamingReplica.ApiConnectionString($"127.0.0.1:{_servers.StandbyPort},127.0.0.1:{_servers.PrimaryPort}",
            "Target Session Attributes=prefer-standby;Load Balance Hosts=true"));
        _onStandby.CreateClient().Dispose();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_onStandby is not null) await _onStandby.DisposeAsync();
        if (_onPrimary is not null) await _onPrimary.DisposeAsync();
        if (_servers is not null) await _servers.DisposeAsync();
    }

    private WebApplicationFactory<Program> Api(string? readOnly) => new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
    {
        web.UseEnvironment("Testing")
            .UseSetting("ConnectionStrings:Observatoire", StreamingReplica.ApiConnectionString($"127.0.0.1:{_servers.PrimaryPort}"))
            .UseSetting("Auth:BootstrapKey", TestApi.ApiKey)
            .UseSetting("Paging:CursorKey", TestApi.CursorKey)
            .UseSetting("Seeds:LoadWhenEmpty", "false")
            .UseSetting("Replicas:PollIntervalMilliseconds", PollMilliseconds.ToString())
            .UseSetting("RateLimits:Reads", "1000000")
            .UseSetting("RateLimits:Writes", "1000000");
        if (readOnly is not null) web.UseSetting("ConnectionStrings:ObservatoireReadOnly", readOnly);
    });

    private static HttpClient Client(WebApplicationFactory<Program> api, bool writer = false)
    {
        var client = api.CreateDefaultClient(new ContractCheckingHandler(() => TestApi.Contract));
        if (writer) client.DefaultRequestHeaders.Add("X-Api-Key", TestApi.ApiKey);
        return client;
    }

    /// <summary>The standby has replayed everything and the standby-reading instance has polled it.</summary>
    private async Task SettledAsync()
    {
        await _servers.CaughtUpAsync();
        await Task.Delay(4 * PollMilliseconds);
    }

    private static async Task<string> CreateSourceAsync(HttpClient writer, string? id = null)
    {
        var request = Records.Source(id);
        var response = await writer.PostJson("/v1/sources", request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        Assert.That(response.Headers.TryGetValues(ReadReplicas.MinVersionHeader, out var token) && long.TryParse(token.Single(), out _),
            $"a write's answer carries {ReadReplicas.MinVersionHeader}");
        return (string)request["id"]!;
    }

    private static HttpRequestMessage Get(string url, string? minVersion = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (minVersion is not null) request.Headers.Add(ReadReplicas.MinVersionHeader, minVersion);
        return request;
    }

    [Test]
    public async Task Reads_are_served_by_the_standby_and_a_writer_reads_its_write_with_its_token()
    {
        await SettledAsync();
        using var otherWriter = Client(_onPrimary, writer: true);
        using var reader = Client(_onStandby);
        await _servers.PauseReplayAsync();
        try
        {
            // Written through the other instance: on the primary, while the standby replays nothing.
            var request = Records.Source();
            var written = await otherWriter.PostJson("/v1/sources", request);
            Assert.That(written.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            var id = (string)request["id"]!;
            var token = written.Headers.GetValues(ReadReplicas.MinVersionHeader).Single();
            Assert.That(long.Parse(token), Is.EqualTo(await StreamingReplica.ScalarAsync<long>(_servers.Primary, "select version from data_version")));

            // A plain read is answered by the paused standby, which has not seen the write; the same read with the
            // write's token waits for nothing: the standby is behind it, so the primary answers.
            Assert.That((await reader.GetAsync($"/v1/sources/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            var withToken = await reader.SendAsync(Get($"/v1/sources/{id}", token));
            Assert.That(withToken.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((string?)(await withToken.JsonBody())["id"], Is.EqualTo(id));
            // An earlier token than the standby has replayed leaves the read on the standby.
            Assert.That((await reader.SendAsync(Get($"/v1/sources/{id}", "1"))).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

            // A write through the standby-reading instance goes to the primary (the standby would refuse it), and
            // every read of that instance goes to the primary until the standby has replayed it.
            using var writer = Client(_onStandby, writer: true);
            await CreateSourceAsync(writer);
            Assert.That((await reader.GetAsync($"/v1/sources/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        finally
        {
            await _servers.ResumeReplayAsync();
        }
        await SettledAsync();
    }

    [Test]
    public async Task Keys_are_read_on_the_primary_since_the_data_version_does_not_cover_them()
    {
        await SettledAsync();
        using var admin = Client(_onPrimary, writer: true);
        using var otherAdmin = Client(_onStandby, writer: true);
        await _servers.PauseReplayAsync();
        try
        {
            var created = await admin.PostJson("/v1/keys", new { name = "replication", scopes = new[] { "write:sources" } });
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
            var id = (long)(await created.JsonBody())["id"]!;
            // The standby has not replayed the key, and no data version moved: only the primary knows it.
            Assert.That((await otherAdmin.GetAsync($"/v1/keys/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        finally
        {
            await _servers.ResumeReplayAsync();
        }
        await SettledAsync();
    }

    [Test]
    public async Task A_token_that_is_not_a_data_version_is_refused()
    {
        using var client = _onStandby.CreateClient();
        var response = await client.SendAsync(Get("/v1/sources", "soon"));
        await response.ShouldBeProblem(400);
    }

    [Test]
    public async Task Both_instances_give_the_same_validators_and_bodies_once_the_standby_has_replayed()
    {
        using var writer = Client(_onPrimary, writer: true);
        var id = await CreateSourceAsync(writer);
        await SettledAsync();
        using var standbyReader = Client(_onStandby);
        using var primaryReader = Client(_onPrimary);
        foreach (var url in new[] { $"/v1/sources/{id}", "/v1/sources?limit=5", "/v1/changes?limit=1000" })
        {
            var a = await standbyReader.GetAsync(url);
            var b = await primaryReader.GetAsync(url);
            Assert.Multiple(async () =>
            {
                Assert.That(a.StatusCode, Is.EqualTo(HttpStatusCode.OK), url);
                // The feed is not a cacheable read: it has no validator on either instance.
                if (!url.StartsWith("/v1/changes")) Assert.That(a.Headers.ETag, Is.Not.Null, url);
                Assert.That(a.Headers.ETag, Is.EqualTo(b.Headers.ETag), url);
                Assert.That(await a.Content.ReadAsStringAsync(), Is.EqualTo(await b.Content.ReadAsStringAsync()), url);
            });
        }
    }

    [Test]
    public async Task A_commit_on_the_primary_invalidates_the_standby_readers_cache_within_the_bound()
    {
        using var writer = Client(_onPrimary, writer: true);
        var id = await CreateSourceAsync(writer);
        await SettledAsync();
        using var reader = Client(_onStandby);
        var before = await reader.GetAsync($"/v1/sources/{id}");
        var cached = await reader.GetAsync($"/v1/sources/{id}");
        Assert.That(cached.Headers.ETag, Is.EqualTo(before.Headers.ETag));

        // Committed on the primary by SQL: this instance learns of it only from the standby's replayed version.
        await StreamingReplica.ExecuteAsync(_servers.Primary, $"update sources set title = 'Titre changé' where id = '{id}'");
        var elapsed = Stopwatch.StartNew();
        JsonNode body;
        HttpResponseMessage after;
        do
        {
            after = await reader.GetAsync($"/v1/sources/{id}");
            body = await after.JsonBody();
        }
        while ((string?)body["title"] != "Titre changé" && elapsed.Elapsed < TimeSpan.FromSeconds(5));
        elapsed.Stop();
        TestContext.Out.WriteLine($"Invalidated on the standby-reading instance after {elapsed.ElapsedMilliseconds} ms");
        Assert.Multiple(() =>
        {
            Assert.That((string?)body["title"], Is.EqualTo("Titre changé"));
            Assert.That(after.Headers.ETag, Is.Not.EqualTo(before.Headers.ETag));
            // The poll interval plus loopback replay, with room for a loaded machine.
            Assert.That(elapsed.ElapsedMilliseconds, Is.LessThan(1000));
        });
    }

    [Test]
    public async Task The_change_feed_read_on_the_standby_is_the_primarys()
    {
        using var writer = Client(_onPrimary, writer: true);
        await CreateSourceAsync(writer);
        await SettledAsync();
        using var standbyReader = Client(_onStandby);
        using var primaryReader = Client(_onPrimary);

        await _servers.PauseReplayAsync();
        string missing;
        try
        {
            missing = await CreateSourceAsync(writer);
            // Only the standby lacks it: the feed the first instance serves is the standby's.
            var onStandby = await (await standbyReader.GetAsync("/v1/changes?limit=1000")).JsonBody();
            var onPrimary = await (await primaryReader.GetAsync("/v1/changes?limit=1000")).JsonBody();
            Assert.That(Ids(onStandby), Does.Not.Contain(missing));
            Assert.That(Ids(onPrimary), Does.Contain(missing));
            Assert.That(Ids(onPrimary).Take(Ids(onStandby).Count), Is.EqualTo(Ids(onStandby)));
        }
        finally
        {
            await _servers.ResumeReplayAsync();
        }
        await SettledAsync();

        // Page by page, with the tokens of the standby's pages, the two feeds are the same.
        var next = "/v1/changes?limit=2";
        var served = new List<string>();
        for (var pages = 0; pages < 100; pages++)
        {
            var a = await (await standbyReader.GetAsync(next)).JsonBody();
            var b = await (await primaryReader.GetAsync(next)).JsonBody();
            Assert.That(a.ToJsonString(), Is.EqualTo(b.ToJsonString()));
            served.AddRange(Ids(a));
            if ((bool)a["caughtUp"]!)
            {
                Assert.That(served, Does.Contain(missing));
                return;
            }
            next = new Uri(new Uri("http://localhost"), (string)a["links"]!["next"]!).PathAndQuery;
        }
        Assert.Fail("The feed did not end within 100 pages.");
    }

    private static List<string> Ids(JsonNode page) => [.. page["items"]!.AsArray().Select(i => (string)i!["id"]!)];
}
