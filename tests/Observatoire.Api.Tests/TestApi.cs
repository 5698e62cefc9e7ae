using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Tests;

/// <summary>One database and one in-process API for the whole run; tests create their own data.</summary>
[SetUpFixture]
public sealed class TestApi
{
    public const string ApiKey = "test-key-0123456789abcdef0123456789abcdef";
    public const string CursorKey = "test-cursor-key-0123456789abcdef0123456789";

    private static TestDatabase? _database;
    private static WebApplicationFactory<Program>? _factory;
    private static ContractValidator? _contract;

    /// <summary>Where this run's snapshot dumps are kept (removed at the end).</summary>
    public static readonly string DumpDirectory = Path.Combine(Path.GetTempPath(), $"observatoire-test-dumps-{Guid.NewGuid():N}");

    public static TestDatabase Database => _database ?? throw new InvalidOperationException("The test database is not ready.");
    public static WebApplicationFactory<Program> Factory => _factory ?? throw new InvalidOperationException("The API is not ready.");

    /// <summary>The collections the API registers, which the seeding loads.</summary>
    public static CollectionRegistry Collections => Factory.Services.GetRequiredService<CollectionRegistry>();

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Testing")
            // As in production: the API runs as a role that reads and writes the data only; the owner migrates.
            .UseSetting("ConnectionStrings:Observatoire", _database.AppConnectionString)
            .UseSetting("ConnectionStrings:ObservatoireOwner", _database.ConnectionString)
            .UseSetting("Shutdown:DrainSeconds", "0")
            .UseSetting("Auth:BootstrapKey", ApiKey)
            .UseSetting("Paging:CursorKey", CursorKey)
            // Webhooks/ starts the instances that deliver, each with the settings its test needs.
            .UseSetting("Webhooks:Deliver", "false")
            .UseSetting("Dumps:Directory", DumpDirectory)
            // The whole suite is one client: budgets far above what it sends (RateLimits/ tests the limits themselves),
            // counted apart from the instances other tests start with the default budgets (counters are shared by scope).
            .UseSetting("RateLimits:Scope", "test-suite")
            .UseSetting("RateLimits:Reads", "1000000")
            .UseSetting("RateLimits:Searches", "1000000")
            .UseSetting("RateLimits:Exports", "1000000")
            .UseSetting("RateLimits:Writes", "1000000")
            .UseSetting("RateLimits:FailedAuthentications", "1000000"));
        // Starting the host migrates and seeds the database.
        using var client = _factory.CreateClient();
        _contract = new ContractValidator(await client.GetStringAsync("/openapi/v1.json"));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_factory is not null) await _factory.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
        if (Directory.Exists(DumpDirectory)) Directory.Delete(DumpDirectory, recursive: true);
    }

    /// <summary>The served OpenAPI document (equal to openapi.yaml, see OpenApiDocumentTests) as a response checker.</summary>
    public static ContractValidator Contract => _contract ?? throw new InvalidOperationException("The API is not ready.");

    /// <summary>
    /// A client without an API key (reads, and writes that must be refused). Every response it receives is
    /// checked against the OpenAPI document.
    /// </summary>
    public static HttpClient Anonymous() => Factory.CreateDefaultClient(new ContractCheckingHandler(() => Contract));

    /// <summary>A client sending the bootstrap API key.</summary>
    public static HttpClient Writer()
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }
}

public static class HttpAssertions
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<JsonNode> JsonBody(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) ?? throw new AssertionException($"Empty body ({(int)response.StatusCode}).");
    }

    /// <summary>Asserts a problem+json response with the given status and returns its body.</summary>
    public static async Task<JsonNode> ShouldBeProblem(this HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(status), text);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), text);
        });
        var body = JsonNode.Parse(text)!;
        Assert.Multiple(() =>
        {
            Assert.That((int?)body["status"], Is.EqualTo(status));
            Assert.That((string?)body["title"], Is.Not.Null.And.Not.Empty);
            Assert.That((string?)body["traceId"], Is.Not.Null.And.Not.Empty);
        });
        return body;
    }

    /// <summary>Asserts a 400 validation problem naming exactly these fields (at least).</summary>
    public static async Task<JsonNode> ShouldBeValidationProblem(this HttpResponseMessage response, params string[] fields)
    {
        var body = await response.ShouldBeProblem(400);
        var errors = body["errors"]?.AsObject() ?? throw new AssertionException($"No errors member: {body}");
        foreach (var field in fields)
        {
            Assert.That(errors.ContainsKey(field), $"errors should name '{field}': {errors}");
            Assert.That(errors[field]!.AsArray(), Is.Not.Empty);
        }
        return body;
    }

    public static StringContent RawJson(string json, string mediaType = "application/json") =>
        new(json, Encoding.UTF8, new MediaTypeHeaderValue(mediaType));

    public static Task<HttpResponseMessage> PostJson<T>(this HttpClient client, string url, T body) =>
        client.PostAsJsonAsync(url, body, Json);

    public static Task<HttpResponseMessage> PutJson<T>(this HttpClient client, string url, T body) =>
        client.PutAsJsonAsync(url, body, Json);
}
