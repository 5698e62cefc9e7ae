using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Observatoire.Api.Tests.Collections;

namespace Observatoire.Api.Tests.Writes;

/// <summary>
/// Optimistic concurrency, idempotent creates and the audit trail, written once for every collection and run for each
/// declaration of <see cref="CollectionCases.All"/>.
/// </summary>
[TestFixtureSource(nameof(Cases))]
public sealed class SafeWriteBehaviourTests(CollectionCase collection)
{
    public static IEnumerable<TestFixtureData> Cases() =>
        CollectionCases.All.Select(c => new TestFixtureData(c).SetArgDisplayNames(c.Name));

    private readonly HttpClient _writer = TestApi.Writer();
    private readonly HttpClient _anonymous = TestApi.Anonymous();

    private string Url => $"/v1/{collection.Name}";

    [OneTimeTearDown]
    public void Dispose()
    {
        _writer.Dispose();
        _anonymous.Dispose();
    }

    private async Task<(string Id, Dictionary<string, object?> Body, HttpResponseMessage Response)> Create(string word, string? idempotencyKey = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var body = collection.Valid(word, 0);
            using var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = JsonContent(body) };
            if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", $"\"{idempotencyKey}\"");
            var response = await _writer.SendAsync(request);
            // Territory codes come from a small test range: a rare reuse within a run is retried with another one.
            if (response.StatusCode == HttpStatusCode.Conflict && attempt == 0) continue;
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
            return (collection.IdOf(body), body, response);
        }
    }

    private static StringContent JsonContent(object body) => HttpAssertions.RawJson(JsonSerializer.Serialize(body, HttpAssertions.Json));

    private Task<HttpResponseMessage> Send(HttpMethod method, string id, Dictionary<string, object?>? body, string? ifMatch)
    {
        var request = new HttpRequestMessage(method, $"{Url}/{id}");
        if (body is not null) request.Content = JsonContent(body);
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return _writer.SendAsync(request);
    }

    private Dictionary<string, object?> Changed(Dictionary<string, object?> body, object? value = null)
    {
        var changed = new Dictionary<string, object?>(body) { [collection.Change.Field] = value ?? collection.Change.Value };
        return changed;
    }

    private async Task<string> ETagOf(string id)
    {
        var read = await _anonymous.GetAsync($"{Url}/{id}");
        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return read.Headers.ETag!.ToString();
    }

    [Test]
    public async Task Reads_and_writes_carry_the_records_strong_etag_which_changes_with_the_record_only()
    {
        var (id, body, created) = await Create(ListReads.FreshWord());
        var createdTag = created.Headers.ETag;
        Assert.That(createdTag, Is.Not.Null, "a create answers the record's ETag");
        Assert.That(createdTag!.IsWeak, Is.False);
        Assert.That(await ETagOf(id), Is.EqualTo(createdTag.ToString()), "the read's ETag is the create's");

        // Another record's write does not change this record's ETag.
        await Create(ListReads.FreshWord());
        Assert.That(await ETagOf(id), Is.EqualTo(createdTag.ToString()), "unchanged by a write elsewhere");

        var replaced = await Send(HttpMethod.Put, id, Changed(body), createdTag.ToString());
        Assert.That(replaced.StatusCode, Is.EqualTo(HttpStatusCode.OK), await replaced.Content.ReadAsStringAsync());
        var newTag = replaced.Headers.ETag!.ToString();
        Assert.Multiple(async () =>
        {
            Assert.That(newTag, Is.Not.EqualTo(createdTag.ToString()));
            Assert.That(await ETagOf(id), Is.EqualTo(newTag), "the read's ETag is the replacement's");
        });

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"{Url}/{id}");
        conditional.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(newTag));
        Assert.That((await _anonymous.SendAsync(conditional)).StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
    }

    [Test]
    public async Task A_replace_or_delete_with_a_stale_if_match_is_a_412_with_the_current_etag_and_writes_nothing()
    {
        var (id, body, created) = await Create(ListReads.FreshWord());
        var stale = created.Headers.ETag!.ToString();
        var current = (await Send(HttpMethod.Put, id, Changed(body), null)).Headers.ETag!.ToString();

        var refused = await Send(HttpMethod.Put, id, Changed(body, collection.Change.Value is string s ? s + " bis" : collection.Change.Value), stale);
        await refused.ShouldBeProblem(412);
        Assert.That(refused.Headers.ETag?.ToString(), Is.EqualTo(current), "the 412 says the current ETag");
        var deleteRefused = await Send(HttpMethod.Delete, id, null, stale);
        await deleteRefused.ShouldBeProblem(412);
        Assert.That(await ETagOf(id), Is.EqualTo(current), "neither refused write changed the record");
        Assert.That(await AuditCount(id), Is.EqualTo(2), "refused writes leave no audit entry");

        Assert.That((await Send(HttpMethod.Delete, id, null, "W/" + current)).StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed),
            "a weak tag never matches (strong comparison)");
        Assert.That((await Send(HttpMethod.Delete, id, null, $"\"other\", {current}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent),
            "any tag of the list may match");
    }

    [Test]
    public async Task If_match_star_means_the_record_exists()
    {
        var (id, body, _) = await Create(ListReads.FreshWord());
        Assert.That((await Send(HttpMethod.Put, id, Changed(body), "*")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Send(HttpMethod.Delete, id, null, "*")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        await (await Send(HttpMethod.Put, id, Changed(body), "*")).ShouldBeProblem(412);
        await (await Send(HttpMethod.Delete, id, null, "*")).ShouldBeProblem(412);
        await (await Send(HttpMethod.Delete, id, null, null)).ShouldBeProblem(404);
    }

    [Test]
    public async Task Twenty_concurrent_replacements_with_the_same_if_match_give_one_success_and_nineteen_412()
    {
        var (id, body, created) = await Create(ListReads.FreshWord());
        var tag = created.Headers.ETag!.ToString();
        var bodies = Enumerable.Range(0, 20).Select(n => Changed(body, collection.Change.Value is string s ? $"{s} {n}" : collection.Change.Value)).ToList();
        var clients = Enumerable.Range(0, 20).Select(_ => TestApi.Writer()).ToList();
        var answers = await Task.WhenAll(bodies.Select((b, n) => SendWith(clients[n], b)));
        foreach (var client in clients) client.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(answers.Count(a => a == HttpStatusCode.OK), Is.EqualTo(1), string.Join(", ", answers));
            Assert.That(answers.Count(a => a == HttpStatusCode.PreconditionFailed), Is.EqualTo(19), string.Join(", ", answers));
        });
        Assert.That(await AuditCount(id), Is.EqualTo(2), "one create and one replace");

        async Task<HttpStatusCode> SendWith(HttpClient client, Dictionary<string, object?> b)
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, $"{Url}/{id}") { Content = JsonContent(b) };
            request.Headers.TryAddWithoutValidation("If-Match", tag);
            return (await client.SendAsync(request)).StatusCode;
        }
    }

    [Test]
    public async Task A_create_retried_with_its_idempotency_key_is_answered_again_and_creates_nothing_more()
    {
        var word = ListReads.FreshWord();
        var key = Guid.NewGuid().ToString();
        var (id, body, first) = await Create(word, key);

        using var retry = new HttpRequestMessage(HttpMethod.Post, Url) { Content = JsonContent(body) };
        retry.Headers.Add("Idempotency-Key", $"\"{key}\"");
        var replayed = await _writer.SendAsync(retry);
        Assert.Multiple(async () =>
        {
            Assert.That(replayed.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(replayed.Headers.GetValues("Idempotent-Replayed"), Is.EqualTo(new[] { "true" }));
            Assert.That(first.Headers.Contains("Idempotent-Replayed"), Is.False);
            Assert.That(replayed.Headers.Location, Is.EqualTo(first.Headers.Location));
            Assert.That(await replayed.Content.ReadAsStringAsync(), Is.EqualTo(await first.Content.ReadAsStringAsync()));
        });
        Assert.That(await ListReads.Ids(_anonymous, $"{Url}?q={word}"), Is.EqualTo(new[] { id }), "one record");
        Assert.That(await AuditCount(id), Is.EqualTo(1), "one create audited");

        var other = Changed(body);
        using var reused = new HttpRequestMessage(HttpMethod.Post, Url) { Content = JsonContent(other) };
        reused.Headers.Add("Idempotency-Key", $"\"{key}\"");
        await (await _writer.SendAsync(reused)).ShouldBeProblem(422);
        Assert.That(await ListReads.Ids(_anonymous, $"{Url}?q={word}"), Is.EqualTo(new[] { id }), "still one record");
    }

    [Test]
    public async Task The_audit_trail_holds_each_write_with_its_key_time_records_before_and_after_and_trace_id()
    {
        // Test territory codes come from a small range: an id may have been created and deleted earlier in the run.
        var start = DateTimeOffset.UtcNow.AddSeconds(-1);
        var (id, body, created) = await Create(ListReads.FreshWord());
        var traceId = Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant();
        using var replace = new HttpRequestMessage(HttpMethod.Put, $"{Url}/{id}") { Content = JsonContent(Changed(body)) };
        replace.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        var replaced = await _writer.SendAsync(replace);
        Assert.That(replaced.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Send(HttpMethod.Delete, id, null, null)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var since = Uri.EscapeDataString(start.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        var entries = (await Audit($"collection={collection.Name}&id={id}&since={since}"))["items"]!.AsArray();
        Assert.That(entries.Select(e => (string?)e!["operation"]), Is.EqualTo(new[] { "delete", "replace", "create" }), "newest first");
        var (deleted, replacedEntry, createdEntry) = (entries[0]!, entries[1]!, entries[2]!);
        var createdBody = await created.JsonBody();
        var replacedBody = await replaced.JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That(createdEntry["before"], Is.Null);
            Assert.That(JsonNode.DeepEquals(createdEntry["after"], createdBody), "after a create: the record as answered");
            Assert.That(JsonNode.DeepEquals(replacedEntry["before"], createdBody), "before a replace: the record as it was");
            Assert.That(JsonNode.DeepEquals(replacedEntry["after"], replacedBody), "after a replace: the record as answered");
            Assert.That((string?)replacedEntry["traceId"], Is.EqualTo(traceId), "the request's trace id");
            Assert.That(JsonNode.DeepEquals(deleted["before"], replacedBody));
            Assert.That(deleted["after"], Is.Null);
            foreach (var entry in entries)
            {
                Assert.That((string?)entry!["key"]!["name"], Is.EqualTo("bootstrap"));
                Assert.That((string?)entry["key"]!["id"], Is.Not.Null.And.Not.Empty);
                Assert.That((string?)entry["collection"], Is.EqualTo(collection.Name));
                Assert.That((string?)entry["id"], Is.EqualTo(id));
                Assert.That(DateTimeOffset.Parse((string)entry["at"]!, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(start));
                Assert.That(entry.ToJsonString(), Does.Not.Contain(TestApi.ApiKey), "never the secret");
            }
        });
    }

    private async Task<JsonNode> Audit(string query)
    {
        var response = await _writer.GetAsync($"/v1/audit?{query}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return await response.JsonBody();
    }

    private async Task<int> AuditCount(string id) => (await Audit($"collection={collection.Name}&id={id}&limit=200"))["items"]!.AsArray().Count;
}
