using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CsCheck;

namespace Observatoire.Api.Tests.Fuzz;

/// <summary>
/// Requests generated from the served OpenAPI document, at least 200 per operation, valid and broken (path, query,
/// headers, bodies): none may be answered with a 5xx, every answer must match the document, and a request with
/// something wrong must get a 4xx and write nothing. The seed is fixed unless FUZZ_SEED gives one ("random" draws
/// one); it is printed so that a failure can be replayed with FUZZ_SEED=….
/// </summary>
[NonParallelizable]
public sealed class FuzzTests
{
    public const int RequestsPerOperation = 200;
    private const string FixedSeed = "0000000000001";

    private static readonly Lazy<string> Seed = new(() =>
    {
        var given = Environment.GetEnvironmentVariable("FUZZ_SEED");
        if (string.IsNullOrWhiteSpace(given)) return FixedSeed;
        return given == "random" ? PCG.ThreadPCG.ToString() : given;
    });

    private HttpClient _client = null!;
    private JsonObject _document = null!;
    private SeedData _data = null!;

    [OneTimeSetUp]
    public async Task ReadTheDocument()
    {
        // No contract-checking handler: the checks are collected below, with the request that broke them.
        _client = TestApi.Factory.CreateDefaultClient();
        _document = JsonNode.Parse(await _client.GetStringAsync("/openapi/v1.json"))!.AsObject();
        _data = await SeedData.ReadAsync(_client);
        TestContext.Progress.WriteLine($"Fuzz seed: {Seed.Value} (replay with FUZZ_SEED={Seed.Value})");
    }

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    /// <summary>
    /// The operations of the committed document (equal to the served one), one test each; not its webhooks, which
    /// the API sends to partners and does not serve.
    /// </summary>
    public static IEnumerable<string> Operations() =>
        Regex.Matches(File.ReadAllText(OpenApiDocumentTests.RepositoryFile("openapi.yaml")).Split("\nwebhooks:")[0], @"^\s+operationId: (\w+)\s*$", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value);

    [TestCaseSource(nameof(Operations))]
    public async Task Generated_requests_get_no_5xx_documented_answers_and_4xx_for_what_is_wrong(string operationId)
    {
        var operation = Operation.All(_document).Single(o => o.Id == operationId);
        // One PCG stream per operation: a single operation replays alone with the same seed.
        var pcg = PCG.Parse(Seed.Value);
        var values = new Values(new PCG((uint)StableHash(operationId), pcg.Seed), _data);
        var created = new List<string>();
        var failures = new List<string>();
        var counts = new Dictionary<int, int>();
        var watch = Stopwatch.StartNew();
        try
        {
            var writable = await WritableRecordsAsync(operation, values, created);
            var generator = new RequestGenerator(operation, values, writable);
            for (var i = 0; i < RequestsPerOperation; i++)
            {
                var fuzzCase = generator.Next();
                var status = await SendAsync(fuzzCase, failures, created);
                counts[status] = counts.GetValueOrDefault(status) + 1;
            }
        }
        finally
        {
            foreach (var location in created) await DeleteAsync(location, failures);
        }
        TestContext.Progress.WriteLine($"{operationId}: {RequestsPerOperation} requests in {watch.ElapsedMilliseconds} ms, " +
                                       string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Value}×{c.Key}")));
        // A run that only ever reached the validators (or never did) would prove little.
        if (!counts.Keys.Any(s => s is >= 200 and < 300)) failures.Add("no generated request succeeded: the valid ones do not reach the handler");
        if (operation.Documents(400) && !counts.Keys.Any(s => s is >= 400 and < 500)) failures.Add("no generated request was refused");
        Assert.That(failures, Is.Empty,
            $"{failures.Count} of {RequestsPerOperation} generated requests to {operationId} failed (FUZZ_SEED={Seed.Value}):\n\n{string.Join("\n\n", failures.Take(25))}");
    }

    private async Task<int> SendAsync(FuzzCase fuzzCase, List<string> failures, List<string> created)
    {
        var versionBefore = fuzzCase.Method == "GET" ? 0 : await DataVersionAsync();
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(fuzzCase.ToRequest());
        }
        catch (Exception e) when (e is not AssertionException)
        {
            failures.Add($"the request failed: {e.GetType().Name}: {e.Message}\n  {fuzzCase.Describe(0, null, "")}");
            return 0;
        }
        using var _ = response;
        var status = (int)response.StatusCode;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var body = await response.Content.ReadAsStringAsync();
        if (status == 201 && fuzzCase.Creates is not null && JsonNode.Parse(body)?["id"] is { } id)
        {
            created.Add($"{fuzzCase.Creates}/{Uri.EscapeDataString(id.ToString())}");
        }

        var problems = new List<string>();
        if (status >= 500) problems.Add($"a {status}");
        problems.AddRange(TestApi.Contract.Check(fuzzCase.Method, new Uri(_client.BaseAddress!, fuzzCase.Url).AbsolutePath, status, mediaType, body));
        if (fuzzCase.Expect == Expect.Rejected && status is < 400 or >= 500) problems.Add("invalid input accepted");
        if (fuzzCase.Expect == Expect.Success && status >= 400) problems.Add("a valid request refused");
        if (fuzzCase.Method != "GET" && status is >= 400 and < 500 && await DataVersionAsync() != versionBefore) problems.Add("a refused write changed the data");
        if (problems.Count > 0) failures.Add($"{string.Join("; ", problems)}\n  {fuzzCase.Describe(status, mediaType, body)}");
        return status;
    }

    /// <summary>Records created for this operation only (PUT and DELETE act on them, never on the shared seed data).</summary>
    private async Task<Dictionary<string, JsonObject>> WritableRecordsAsync(Operation operation, Values values, List<string> created)
    {
        if (operation.Method is not ("PUT" or "DELETE")) return [];
        var create = Operation.All(_document).Single(o => o.Method == "POST" && o.Template == $"/v1/{operation.Collection}");
        var bodies = new BodyGenerator(create, values);
        var ids = new Dictionary<string, JsonObject>();
        for (var attempt = 0; attempt < 200 && ids.Count < 5; attempt++)
        {
            var body = bodies.Valid(create.BodySchema!, bodies.NewId());
            using var response = await _client.SendAsync(new FuzzCase("POST", create.Template, Expect.Either, "setup") { Body = body.ToJsonString(), ContentType = "application/json", WithKey = true }.ToRequest());
            if ((int)response.StatusCode != 201) continue;
            var id = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.ToString();
            ids[id] = body;
            created.Add($"{create.Template}/{Uri.EscapeDataString(id)}");
        }
        if (ids.Count == 0) Assert.Fail($"No generated body could create a record in {create.Template} to fuzz {operation.Id} on.");
        return ids;
    }

    private async Task DeleteAsync(string location, List<string> failures)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, location);
        request.Headers.Add("X-Api-Key", TestApi.ApiKey);
        using var response = await _client.SendAsync(request);
        if ((int)response.StatusCode is not (204 or 404))
        {
            failures.Add($"cleanup: DELETE {location} -> {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static Task<long> DataVersionAsync() => TestApi.Database.ScalarAsync<long>("select version from data_version");

    private static int StableHash(string text) => text.Aggregate(17, (hash, c) => unchecked(hash * 31 + c)) & 0x7fffffff;
}
