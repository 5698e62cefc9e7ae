using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Observatoire.Api.Tests.Caching;

/// <summary>
/// A record read that memory cannot answer is served from the record's stored document while the record's change_seq
/// is the one it was kept for, and computed again as soon as the record or anything it embeds changes, whoever writes.
/// The API here keeps nothing in memory (Cache:Enabled=false), so every read goes to the database.
/// </summary>
public sealed class RecordDocumentTests
{
    private const string Served = "observatoire.cache.documents_served";
    private WebApplicationFactory<Program> _factory = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Testing")
            .UseSetting("ConnectionStrings:Observatoire", TestApi.Database.ConnectionString)
            .UseSetting("Auth:BootstrapKey", TestApi.ApiKey)
            .UseSetting("Cache:Enabled", "false"));
        _client = _factory.CreateClient();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    private HttpClient Writer()
    {
        var writer = _factory.CreateClient();
        writer.DefaultRequestHeaders.Add("X-Api-Key", TestApi.ApiKey);
        return writer;
    }

    private static Task Sql(string sql, params object[] parameters) => TestApi.Database.ScalarAsync<object>(sql, parameters);

    [Test]
    public async Task A_second_read_of_a_record_is_its_stored_document_with_the_same_body_and_etag()
    {
        var territory = await Records.NewTerritory();
        var first = await _client.GetAsync($"/v1/territories/{territory}");

        using var meter = new CacheMeter();
        var second = await _client.GetAsync($"/v1/territories/{territory}");
        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/v1/territories/{territory}");
        conditional.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        var notModified = await _client.SendAsync(conditional);

        var kept = await TestApi.Database.ScalarAsync<long>(
            "select count(*) from record_documents d join territories t on t.id = d.id and t.change_seq = d.change_seq where d.collection = 'territories' and d.id = $1",
            territory);
        Assert.Multiple(async () =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(kept, Is.EqualTo(1L), "the first read kept the document for the record's change_seq");
            Assert.That(meter.Of(Served), Is.EqualTo(2L), "the read and the conditional read were answered from it");
            Assert.That(await second.Content.ReadAsStringAsync(), Is.EqualTo(await first.Content.ReadAsStringAsync()));
            Assert.That(second.Headers.ETag, Is.EqualTo(first.Headers.ETag));
            Assert.That(second.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/json"));
            Assert.That(notModified.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
            Assert.That(notModified.Headers.ETag, Is.EqualTo(first.Headers.ETag));
        });
    }

    [Test]
    public async Task What_is_served_is_the_stored_document_and_only_that_of_this_build()
    {
        var source = await Records.NewSource();
        (await _client.GetAsync($"/v1/sources/{source}")).EnsureSuccessStatusCode();
        const string marked = """{"marked":"stored"}""";
        await Sql("update record_documents set body = $1 where collection = 'sources' and id = $2", Encoding.UTF8.GetBytes(marked), source);
        var fromStore = await _client.GetStringAsync($"/v1/sources/{source}");

        await Sql("update record_documents set build = 'another build' where collection = 'sources' and id = $1", source);
        var computed = await (await _client.GetAsync($"/v1/sources/{source}")).JsonBody();

        Assert.Multiple(() =>
        {
            Assert.That(fromStore, Is.EqualTo(marked));
            Assert.That((string?)computed["id"], Is.EqualTo(source), "another build's document is computed again");
        });
    }

    [Test]
    public async Task A_record_changed_behind_the_API_is_read_as_it_is_now()
    {
        var territory = await Records.NewTerritory();
        (await _client.GetAsync($"/v1/territories/{territory}")).EnsureSuccessStatusCode();

        await Sql("update territories set name = 'Renommé en SQL' where id = $1", territory);
        using var meter = new CacheMeter();
        var renamed = await (await _client.GetAsync($"/v1/territories/{territory}")).JsonBody();
        var again = await (await _client.GetAsync($"/v1/territories/{territory}")).JsonBody();

        Assert.Multiple(() =>
        {
            Assert.That((string?)renamed["name"], Is.EqualTo("Renommé en SQL"));
            Assert.That((string?)again["name"], Is.EqualTo("Renommé en SQL"));
            Assert.That(meter.Of(Served), Is.EqualTo(1L), "the changed record is computed once, then kept again");
        });
    }

    [Test]
    public async Task A_change_to_a_row_the_record_embeds_shows_in_its_next_read()
    {
        var territory = await Records.NewTerritory();
        var source = await Records.NewSource();
        var figure = await Records.CreateId("figures", Records.Figure(territory, sourceIds: [source]));
        Assert.That(await _client.GetStringAsync($"/v1/territories/{territory}"), Does.Contain(figure));
        await _client.GetStringAsync($"/v1/territories/{territory}");

        // The source is cited by the figure, which the territory embeds: two hops from the record read.
        await Sql("update sources set title = 'Titre changé en SQL' where id = $1", source);
        var read = await (await _client.GetAsync($"/v1/territories/{territory}")).JsonBody();

        var titles = read["figures"]!.AsArray().SelectMany(f => f!["sources"]!.AsArray()).Select(s => (string?)s!["title"]);
        Assert.That(titles, Does.Contain("Titre changé en SQL"));
    }

    [Test]
    public async Task A_write_through_the_API_is_read_back_at_once_and_not_from_the_older_document()
    {
        var territory = await Records.NewTerritory();
        (await _client.GetAsync($"/v1/territories/{territory}")).EnsureSuccessStatusCode();
        using var writer = Writer();

        var code = territory["2023-".Length..];
        var written = await writer.PutJson($"/v1/territories/{territory}", Territories.TerritoryRequests.Valid(code, "Renommé par l'API"));
        var read = await _client.GetAsync($"/v1/territories/{territory}");

        Assert.Multiple(async () =>
        {
            Assert.That(written.StatusCode, Is.EqualTo(HttpStatusCode.OK), await written.Content.ReadAsStringAsync());
            Assert.That((string?)(await read.JsonBody())["name"], Is.EqualTo("Renommé par l'API"));
            Assert.That(read.Headers.ETag, Is.EqualTo(written.Headers.ETag), "the read's ETag is the one the write answered");
        });
    }

    [Test]
    public async Task Reads_with_a_query_or_a_preference_are_computed_and_not_kept()
    {
        var territory = await Records.NewTerritory();
        using var meter = new CacheMeter();
        for (var i = 0; i < 2; i++)
        {
            (await _client.GetAsync($"/v1/territories/{territory}?include=actors")).EnsureSuccessStatusCode();
            using var prefer = new HttpRequestMessage(HttpMethod.Get, $"/v1/territories/{territory}");
            prefer.Headers.Add("Prefer", "return=minimal");
            await _client.SendAsync(prefer);
        }

        var kept = await TestApi.Database.ScalarAsync<long>("select count(*) from record_documents where collection = 'territories' and id = $1", territory);
        Assert.Multiple(() =>
        {
            Assert.That(meter.Of(Served), Is.EqualTo(0L));
            Assert.That(kept, Is.EqualTo(0L));
        });
    }

    [Test]
    public async Task A_deleted_record_takes_its_document_with_it_and_reads_404()
    {
        var source = await Records.NewSource();
        (await _client.GetAsync($"/v1/sources/{source}")).EnsureSuccessStatusCode();
        using var writer = Writer();

        var deleted = await writer.DeleteAsync($"/v1/sources/{source}");
        var kept = await TestApi.Database.ScalarAsync<long>("select count(*) from record_documents where collection = 'sources' and id = $1", source);
        var read = await _client.GetAsync($"/v1/sources/{source}");

        Assert.Multiple(async () =>
        {
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(kept, Is.EqualTo(0L));
            await read.ShouldBeProblem(404);
        });
    }
}
