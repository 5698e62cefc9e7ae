using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Observatoire.Api.Tests.Auth;

/// <summary>
/// The API key is checked before anything else about a write: whatever the body, a request without a valid
/// key is a 401 problem that says nothing about validation, and its body is not read.
/// </summary>
public sealed class WriteAuthenticationTests
{
    private const string MissingKey = "This operation requires an API key in the X-Api-Key header.";
    private const string InvalidKey = "The API key is not valid.";

    private static readonly string[] Methods = ["POST", "PUT", "DELETE"];

    private static string PathFor(string method) => method == "POST" ? "/v1/sources" : $"/v1/sources/{Records.FreshId("source")}";

    private static HttpClient WithKey(string key)
    {
        var client = TestApi.Anonymous();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    private static async Task<JsonNode> ShouldBeUnauthorized(HttpResponseMessage response, string detail)
    {
        var body = await response.ShouldBeProblem(401);
        Assert.Multiple(() =>
        {
            Assert.That((string?)body["detail"], Is.EqualTo(detail));
            Assert.That(body["errors"], Is.Null, "a 401 says nothing about validation");
            Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("ApiKey header=\"X-Api-Key\""));
        });
        return body;
    }

    [TestCaseSource(nameof(Methods))]
    public async Task A_write_without_a_key_and_an_empty_body_is_a_401_problem(string method)
    {
        using var client = TestApi.Anonymous();
        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), PathFor(method)));
        await ShouldBeUnauthorized(response, MissingKey);
    }

    [TestCaseSource(nameof(Methods))]
    public async Task A_write_without_a_key_and_malformed_json_is_a_401_not_a_400(string method)
    {
        using var client = TestApi.Anonymous();
        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), PathFor(method)) { Content = HttpAssertions.RawJson("{\"url\": ") });
        await ShouldBeUnauthorized(response, MissingKey);
    }

    [TestCaseSource(nameof(Methods))]
    public async Task A_write_without_a_key_and_a_body_that_is_not_json_is_a_401_not_a_415(string method)
    {
        using var client = TestApi.Anonymous();
        var content = new StringContent("url=https://example.org", Encoding.UTF8, "application/x-www-form-urlencoded");
        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), PathFor(method)) { Content = content });
        await ShouldBeUnauthorized(response, MissingKey);
    }

    [TestCaseSource(nameof(Methods))]
    public async Task A_write_with_a_wrong_key_and_an_invalid_body_is_a_401_that_only_says_the_key_is_not_valid(string method)
    {
        using var client = WithKey("not-a-key-" + Guid.NewGuid());
        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), PathFor(method)) { Content = HttpAssertions.RawJson("{\"id\": \"Not A Slug\", \"seenOn\": 3}") });
        await ShouldBeUnauthorized(response, InvalidKey);
    }

    [TestCaseSource(nameof(Methods))]
    public async Task A_write_with_a_wrong_key_and_a_body_of_several_megabytes_is_a_413_without_reading_the_body(string method)
    {
        const long size = 16L * 1024 * 1024;
        var content = new CountingContent(size);
        using var client = WithKey("not-a-key-" + Guid.NewGuid());
        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), PathFor(method)) { Content = content });
        // The in-process server pipes the body with back-pressure: only what fits in the pipe before the
        // 401 was written may have been taken from the client.
        Assert.That(content.Pulled, Is.LessThan(size / 8), $"{content.Pulled} of {size} bytes were pulled from the client");
        // Its announced length is over the limit: refused before the key is even looked up (ADR 0020).
        await response.ShouldBeProblem(413);
    }

    [Test]
    public async Task Every_write_in_the_document_answers_401_before_reading_a_malformed_body()
    {
        using var client = TestApi.Anonymous();
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        var writes = 0;
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, _) in item!.AsObject().Where(o => o.Key is "post" or "put" or "patch" or "delete"))
            {
                var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path.Replace("{id}", Records.FreshId()))
                {
                    Content = HttpAssertions.RawJson("{\"name\": [1, "),
                };
                var body = await (await client.SendAsync(request)).ShouldBeProblem(401);
                Assert.That(body["errors"], Is.Null, $"{method} {path}");
                writes++;
            }
        }
        Assert.That(writes, Is.GreaterThanOrEqualTo(21));
    }

    [Test]
    public async Task A_write_without_a_key_makes_no_database_round_trip_and_one_with_a_key_makes_exactly_one_before_refusing()
    {
        var traces = new System.Collections.Concurrent.ConcurrentBag<ActivityTraceId>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = activity => traces.Add(activity.TraceId),
        };
        ActivitySource.AddActivityListener(listener);

        async Task<int> RoundTrips(string? key)
        {
            var trace = ActivityTraceId.CreateRandom();
            using var client = TestApi.Anonymous();
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sources") { Content = HttpAssertions.RawJson("{}") };
            request.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
            if (key is not null) request.Headers.Add("X-Api-Key", key);
            var body = await (await client.SendAsync(request)).ShouldBeProblem(401);
            Assert.That((string?)body["traceId"], Does.Contain(trace.ToString()), "the request runs in the trace it was sent with");
            return traces.Count(t => t == trace);
        }

        Assert.That(await RoundTrips(null), Is.Zero, "without a key");
        Assert.That(await RoundTrips("not-a-key-" + Guid.NewGuid()), Is.EqualTo(1), "with a wrong key");
    }

    [Test]
    public async Task A_read_with_a_wrong_key_is_still_served()
    {
        using var client = WithKey("not-a-key-" + Guid.NewGuid());
        var response = await client.GetAsync("/v1/sources?limit=1");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Twenty_concurrent_writes_with_a_valid_key_all_succeed()
    {
        // More writes at once than the pool has connections: each may hold only one.
        using var client = TestApi.Factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", TestApi.ApiKey);
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.PostJson("/v1/sources", Records.Source())));
        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.Created),
            string.Join("\n", await Task.WhenAll(responses.Where(r => r.StatusCode != HttpStatusCode.Created).Select(r => r.Content.ReadAsStringAsync()))));
    }

    [Test]
    public async Task Every_read_but_key_management_the_audit_and_webhooks_declares_no_security_and_every_write_the_api_key()
    {
        using var client = TestApi.Anonymous();
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        var (reads, writes) = (0, 0);
        Assert.Multiple(() =>
        {
            foreach (var (path, item) in document["paths"]!.AsObject())
            {
                foreach (var (method, operation) in item!.AsObject())
                {
                    var where = $"{method.ToUpperInvariant()} {path}";
                    var security = operation!["security"]?.AsArray();
                    Assert.That(security, Is.Not.Null, $"{where} declares no security");
                    if (security is null) continue;
                    // Key management and the audit trail are for admin keys, their reads included; a key reads its own webhooks.
                    if (method is "get" or "head" && !path.StartsWith("/v1/keys", StringComparison.Ordinal) && path != "/v1/audit" &&
                        !path.StartsWith("/v1/webhooks", StringComparison.Ordinal))
                    {
                        Assert.That(security, Is.Empty, where);
                        reads++;
                    }
                    else
                    {
                        Assert.That(security.ToJsonString(), Is.EqualTo("[{\"ApiKey\":[]}]"), where);
                        Assert.That(operation["responses"]?["401"], Is.Not.Null, $"{where} documents its 401");
                        writes++;
                    }
                }
            }
        });
        Assert.That(reads, Is.GreaterThan(20));
        Assert.That(writes, Is.GreaterThanOrEqualTo(21));
    }

    /// <summary>
    /// A JSON body of the given size, one string that never ends (a JSON reader would take it all), that counts
    /// what the transport took from it.
    /// </summary>
    private sealed class CountingContent : HttpContent
    {
        private readonly long _size;
        private long _pulled;

        public CountingContent(long size)
        {
            _size = size;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        public long Pulled => Interlocked.Read(ref _pulled);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            const int chunkSize = 64 * 1024;
            var start = Encoding.ASCII.GetBytes("{\"url\": \"https://example.org/\", \"title\": \"");
            var filler = Encoding.ASCII.GetBytes(new string('x', chunkSize));
            try
            {
                await stream.WriteAsync(start);
                Interlocked.Add(ref _pulled, start.Length);
                for (long sent = start.Length; sent < _size; sent += chunkSize)
                {
                    var length = (int)Math.Min(chunkSize, _size - sent);
                    await stream.WriteAsync(filler.AsMemory(0, length));
                    Interlocked.Add(ref _pulled, length);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
            {
                // The server answered and stopped taking the body: what was pulled is counted.
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _size;
            return true;
        }
    }
}
