using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Observatoire.Api.Tests.Webhooks;

/// <summary>
/// API instances on the suite's database that deliver notifications (the suite's own instance does not), with
/// retry delays of a tenth of a second. Each test starts the one it needs and disposes it, so only one delivers.
/// </summary>
public static class WebhookApis
{
    public static WebApplicationFactory<Program> Start(bool allowPrivateNetworks = true, string retryWindow = "00:10:00")
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Testing")
            .UseSetting("ConnectionStrings:Observatoire", TestApi.Database.AppConnectionString)
            .UseSetting("ConnectionStrings:ObservatoireOwner", TestApi.Database.ConnectionString)
            .UseSetting("Shutdown:DrainSeconds", "0")
            .UseSetting("Auth:BootstrapKey", TestApi.ApiKey)
            // The feed positions in notifications are read back through the suite's instance: same cursor key.
            .UseSetting("Paging:CursorKey", TestApi.CursorKey)
            .UseSetting("RateLimits:Enabled", "false")
            .UseSetting("Webhooks:Deliver", "true")
            .UseSetting("Webhooks:AllowPrivateNetworks", allowPrivateNetworks ? "true" : "false")
            .UseSetting("Webhooks:PollInterval", "00:00:00.05")
            .UseSetting("Webhooks:FirstRetryDelay", "00:00:00.1")
            .UseSetting("Webhooks:MaxRetryDelay", "00:00:00.2")
            .UseSetting("Webhooks:RetryWindow", retryWindow)
            .UseSetting("Webhooks:Timeout", "00:00:05"));
        // Starts the host, and with it the delivery worker.
        _ = factory.Services;
        return factory;
    }

    /// <summary>A client of <paramref name="api"/> sending <paramref name="key"/> (the bootstrap admin key by default), its answers checked against the contract.</summary>
    public static HttpClient Client(WebApplicationFactory<Program> api, string key = TestApi.ApiKey)
    {
        var client = api.CreateDefaultClient(new ContractCheckingHandler(() => TestApi.Contract));
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    /// <summary>Registers <paramref name="url"/> for <paramref name="collections"/>; answers the created endpoint (with its secret).</summary>
    public static async Task<JsonNode> Register(HttpClient client, string url, params string[] collections)
    {
        var response = await client.PostJson("/v1/webhooks", new { url, collections });
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), text);
        return JsonNode.Parse(text)!;
    }

    /// <summary>Polls GET /v1/webhooks/{id}/attempts until <paramref name="done"/> holds for its items.</summary>
    public static async Task<JsonArray> WaitForAttempts(HttpClient client, long id, Func<JsonArray, bool> done, TimeSpan? timeout = null)
    {
        var limit = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        JsonArray items = [];
        while (DateTime.UtcNow < limit)
        {
            items = (await (await client.GetAsync($"/v1/webhooks/{id}/attempts?limit=200")).JsonBody())["items"]!.AsArray();
            if (done(items)) return items;
            await Task.Delay(50);
        }
        Assert.Fail($"The attempts did not reach the expected state in time: {items.ToJsonString()}");
        return items;
    }
}
