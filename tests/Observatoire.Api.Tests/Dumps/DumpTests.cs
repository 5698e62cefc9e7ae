using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Observatoire.Api.Tests.Caching;
using Observatoire.Api.Tests.Changes;
using Observatoire.Api.Tests.Collections;

namespace Observatoire.Api.Tests.Dumps;

public sealed class DumpTests
{
    private static readonly string[] Collections = [.. CollectionCases.All.Select(c => c.Name)];

    [Test]
    public async Task A_copy_made_from_the_dump_then_kept_up_with_the_feed_equals_a_fresh_crawl()
    {
        using var reader = TestApi.Anonymous();
        using var writer = TestApi.Writer();
        await Records.NewSource(); // a change, so that this test's dump is not one an earlier test made
        var manifest = await Latest(reader);

        // The copy: every line of every file, by collection and id, as the text its item GET answers.
        var copy = new Dictionary<(string, string), string>();
        foreach (var file in manifest["collections"]!.AsArray())
        {
            var collection = (string)file!["collection"]!;
            var lines = await Lines(reader, (string)file["href"]!, file);
            Assert.That(lines, Has.Count.EqualTo((long)file["count"]!), collection);
            foreach (var line in lines) copy[(collection, (string)JsonNode.Parse(line)!["id"]!)] = line;
        }
        Assert.That(manifest["collections"]!.AsArray().Select(f => (string?)f!["collection"]), Is.EquivalentTo(Collections));

        // Creations, replacements and deletions in two collections after the dump.
        var kept = await Records.CreateId("sources", Records.Source());
        var dropped = await Records.CreateId("sources", Records.Source());
        var resource = await Records.CreateId("resources", Records.Resource("2018-ti2707"));
        var doomed = await Records.CreateId("resources", Records.Resource("2018-ti2707"));
        var replacement = Records.Source(kept);
        replacement["title"] = "Titre remplacé après le dump";
        Assert.That((await writer.PutJson($"/v1/sources/{kept}", replacement)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var changedResource = Records.Resource("2018-ti2707", kind: "human", id: resource);
        Assert.That((await writer.PutJson($"/v1/resources/{resource}", changedResource)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await writer.DeleteAsync($"/v1/sources/{dropped}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await writer.DeleteAsync($"/v1/resources/{doomed}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        // Follow the feed from the dump's position, applying each entry as /v1/changes says.
        var changes = (string)manifest["links"]!["changes"]!;
        Assert.That(changes, Does.Contain(Uri.EscapeDataString((string)manifest["since"]!)));
        await Feed.WaitFor(reader, changes, kept, dropped, resource, doomed);
        var (entries, _) = await Feed.ReadToEnd(reader, changes);
        foreach (var entry in entries)
        {
            var key = ((string)entry["collection"]!, (string)entry["id"]!);
            if ((string?)entry["operation"] == "deleted")
            {
                copy.Remove(key);
                continue;
            }
            var response = await reader.GetAsync((string)entry["href"]!);
            if (response.StatusCode == HttpStatusCode.NotFound) copy.Remove(key);
            else copy[key] = await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync();
        }
        Assert.That(copy.Keys, Does.Contain(("sources", kept)).And.Contain(("resources", resource)));
        Assert.That(copy.Keys, Does.Not.Contain(("sources", dropped)).And.Not.Contain(("resources", doomed)));

        // A fresh crawl: every id of every list, each read at its item GET.
        var crawl = new Dictionary<(string, string), string>();
        foreach (var collection in Collections)
        {
            foreach (var item in await Records.ReadAll(reader, $"/v1/{collection}?limit=200"))
            {
                var id = (string)item["id"]!;
                crawl[(collection, id)] = await (await reader.GetAsync($"/v1/{collection}/{Uri.EscapeDataString(id)}")).EnsureSuccessStatusCode().Content.ReadAsStringAsync();
            }
        }
        Assert.That(copy.Keys.Except(crawl.Keys), Is.Empty, "records the copy holds and the API does not");
        Assert.That(crawl.Keys.Except(copy.Keys), Is.Empty, "records the API holds and the copy does not");
        var differing = crawl.Where(c => copy[c.Key] != c.Value).Select(c => $"{c.Key}: copy {copy[c.Key]}\n  api  {c.Value}").ToList();
        Assert.That(differing, Is.Empty);
    }

    [Test]
    public async Task A_write_committed_after_the_dump_by_a_transaction_open_during_it_is_in_the_feed_from_the_dump()
    {
        using var reader = TestApi.Anonymous();
        var code = Territories.TerritoryRequests.FreshCode2023();
        var late = Territories.TerritoryRequests.IdOf(code);
        await using var connection = new NpgsqlConnection(TestApi.Database.ConnectionString);
        await connection.OpenAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            // Its transaction id is below the dump's snapshot, which cannot see its write.
            await DirectWrites.Create(connection, transaction, code, "Territoire écrit pendant le dump");
            await Records.NewSource();
            var manifest = await Latest(reader);
            var territories = manifest["collections"]!.AsArray().Single(f => (string?)f!["collection"] == "territories")!;
            Assert.That((await Lines(reader, (string)territories["href"]!, territories)).Select(l => (string?)JsonNode.Parse(l)!["id"]), Does.Not.Contain(late));
            await transaction.CommitAsync();
            var entries = await Feed.WaitFor(reader, (string)manifest["links"]!["changes"]!, late);
            Assert.That(entries.Select(e => (string?)e["operation"]), Does.Contain("created"));
        }
        await using var cleanup = new NpgsqlCommand("delete from territories where id = @id", connection);
        cleanup.Parameters.AddWithValue("id", late);
        await cleanup.ExecuteNonQueryAsync();
    }

    [Test]
    public async Task A_dump_file_has_its_length_a_strong_etag_and_answers_ranges_and_conditional_requests()
    {
        using var reader = TestApi.Anonymous();
        var file = (await Latest(reader))["collections"]!.AsArray().Single(f => (string?)f!["collection"] == "territories")!;
        var href = (string)file["href"]!;
        var full = await reader.GetAsync(href);
        Assert.That(full.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var bytes = await full.Content.ReadAsByteArrayAsync();
        Assert.That(full.Content.Headers.ContentLength, Is.EqualTo(bytes.Length).And.EqualTo((long)file["bytes"]!));
        Assert.That(full.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/gzip"));
        Assert.That(full.Headers.ETag, Is.EqualTo(new EntityTagHeaderValue($"\"{(string)file["sha256"]!}\"")));
        Assert.That(full.Headers.ETag!.IsWeak, Is.False);
        Assert.That(full.Content.Headers.LastModified, Is.Not.Null);
        Assert.That(full.Headers.AcceptRanges, Does.Contain("bytes"));
        Assert.That(full.Headers.GetValues("RateLimit-Policy").Single(), Does.StartWith("\"exports\""), "a dump is an export");

        using var range = new HttpRequestMessage(HttpMethod.Get, href);
        range.Headers.Range = new RangeHeaderValue(10, 99);
        var part = await reader.SendAsync(range);
        Assert.That(part.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(part.Content.Headers.ContentRange?.ToString(), Is.EqualTo($"bytes 10-99/{bytes.Length}"));
        Assert.That(await part.Content.ReadAsByteArrayAsync(), Is.EqualTo(bytes[10..100]));

        // The rest of an interrupted download, from where it stopped.
        using var rest = new HttpRequestMessage(HttpMethod.Get, href);
        rest.Headers.Range = new RangeHeaderValue(100, null);
        rest.Headers.IfRange = new RangeConditionHeaderValue(full.Headers.ETag);
        var tail = await reader.SendAsync(rest);
        Assert.That(tail.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(await tail.Content.ReadAsByteArrayAsync(), Is.EqualTo(bytes[100..]));

        using var outside = new HttpRequestMessage(HttpMethod.Get, href);
        outside.Headers.Range = new RangeHeaderValue(bytes.Length, null);
        var refused = await reader.SendAsync(outside);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.RequestedRangeNotSatisfiable));
        Assert.That(refused.Content.Headers.ContentRange?.ToString(), Is.EqualTo($"bytes */{bytes.Length}"));

        using var conditional = new HttpRequestMessage(HttpMethod.Get, href);
        conditional.Headers.IfNoneMatch.Add(full.Headers.ETag);
        var notModified = await reader.SendAsync(conditional);
        Assert.That(notModified.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        Assert.That(await notModified.Content.ReadAsByteArrayAsync(), Is.Empty);
    }

    [Test]
    public async Task A_data_version_is_dumped_once_however_many_ask_and_a_new_version_gets_a_new_dump()
    {
        using var reader = TestApi.Anonymous();
        using var meter = new CacheMeter();
        await Records.NewSource();
        var manifests = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Latest(reader)));
        var first = manifests[0];
        Assert.That(manifests.Select(m => (long)m["dataVersion"]!).Distinct().Count(), Is.EqualTo(1));
        Assert.That(manifests.Select(m => (string?)m["createdAt"]).Distinct().Count(), Is.EqualTo(1));
        Assert.That(meter.Of("observatoire.dumps.produced"), Is.EqualTo(1), "dumps read from the database for one data version");

        var version = (long)first["dataVersion"]!;
        var path = Path.Combine(TestApi.DumpDirectory, version.ToString(), "territories.jsonl.gz");
        var written = File.GetLastWriteTimeUtc(path);
        var again = await Latest(reader);
        Assert.That((string?)again["createdAt"], Is.EqualTo((string?)first["createdAt"]));
        Assert.That(File.GetLastWriteTimeUtc(path), Is.EqualTo(written));
        Assert.That(meter.Of("observatoire.dumps.produced"), Is.EqualTo(1));

        var source = await Records.NewSource();
        var next = await Latest(reader);
        Assert.That((long)next["dataVersion"]!, Is.GreaterThan(version));
        Assert.That(meter.Of("observatoire.dumps.produced"), Is.EqualTo(2));
        var sources = next["collections"]!.AsArray().Single(f => (string?)f!["collection"] == "sources")!;
        Assert.That((await Lines(reader, (string)sources["href"]!, sources)).Select(l => (string?)JsonNode.Parse(l)!["id"]), Does.Contain(source));

        // The previous dump is still served (a download begun on it can finish); the one before is gone.
        var previous = first["collections"]![0]!;
        Assert.That((await reader.GetAsync((string)previous["href"]!)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await Records.NewSource();
        await Latest(reader);
        var gone = await reader.GetAsync((string)previous["href"]!);
        Assert.That(gone.StatusCode, Is.EqualTo(HttpStatusCode.Gone));
        Assert.That(gone.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task A_file_that_no_dump_has_is_a_404_problem()
    {
        using var reader = TestApi.Anonymous();
        var version = (long)(await Latest(reader))["dataVersion"]!;
        foreach (var url in new[] { $"/v1/dumps/{version}/communes.jsonl.gz", $"/v1/dumps/latest2/territories.jsonl.gz", $"/v1/dumps/{version + 1000}/territories.jsonl.gz" })
        {
            var response = await reader.GetAsync(url);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), url);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), url);
        }
    }

    private static async Task<JsonNode> Latest(HttpClient client)
    {
        var response = await client.GetAsync("/v1/dumps/latest");
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonNode.Parse(text)!;
    }

    /// <summary>Downloads a file, checks its size and SHA-256 against the manifest, and returns its lines.</summary>
    private static async Task<List<string>> Lines(HttpClient client, string href, JsonNode file)
    {
        var bytes = await (await client.GetAsync(href)).EnsureSuccessStatusCode().Content.ReadAsByteArrayAsync();
        Assert.That(bytes.LongLength, Is.EqualTo((long)file["bytes"]!), href);
        Assert.That(Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(), Is.EqualTo((string)file["sha256"]!), href);
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var text = new StreamReader(gzip, Encoding.UTF8);
        var lines = new List<string>();
        while (await text.ReadLineAsync() is { } line) lines.Add(line);
        return lines;
    }
}
