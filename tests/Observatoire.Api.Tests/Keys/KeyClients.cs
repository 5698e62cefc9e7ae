using System.Net;
using System.Text.Json.Nodes;

namespace Observatoire.Api.Tests.Keys;

/// <summary>Creating keys through the API with the bootstrap (admin) key, and clients that send them.</summary>
public static class KeyClients
{
    public static async Task<JsonNode> Create(string name, string[] scopes, DateTimeOffset? expiresAt = null)
    {
        using var admin = TestApi.Writer();
        var response = await admin.PostJson("/v1/keys", new { name, scopes, expiresAt });
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), text);
        return JsonNode.Parse(text)!;
    }

    public static HttpClient Client(string key)
    {
        var client = TestApi.Anonymous();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    /// <summary>A problem body without its per-request members, to compare two refusals.</summary>
    public static async Task<string> Refusal(HttpResponseMessage response, int status)
    {
        var body = (await response.ShouldBeProblem(status)).AsObject();
        body.Remove("traceId");
        body.Remove("instance");
        return $"{(int)response.StatusCode} {response.Headers.WwwAuthenticate} {response.Content.Headers.ContentType} {body.ToJsonString()}";
    }

    /// <summary>The 401 of a key no one ever made (same length and alphabet as real keys, and well formed).</summary>
    public static async Task<string> UnknownKeyRefusal(string method, string path)
    {
        using var client = Client("not-a-key-" + Guid.NewGuid().ToString("N"));
        return await Refusal(await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)), 401);
    }
}
