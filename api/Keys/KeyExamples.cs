using Observatoire.Contracts;

namespace Observatoire.Api.Keys;

/// <summary>Examples for the OpenAPI document.</summary>
public static class KeyExamples
{
    private static readonly DateTime Created = new(2026, 11, 26, 9, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Expires = new(2027, 12, 31, 0, 0, 0, DateTimeKind.Utc);

    public static readonly KeyRequest Request = new(
        Name: "Région Grand Est, knowledge base editors",
        Scopes: ["write:resources", "write:sessions"],
        ExpiresAt: new DateTimeOffset(Expires));

    public static readonly CreatedKeyResponse Created201 = new(
        "obs_7Qm2XwLr0ZcK4tVb9NfP1sHy3DgJ6aUe8RoBi5Mk4QZ1he", 12, Request.Name!, Request.Scopes!, Created, Expires);

    public static readonly Page<KeyResponse> Page = new(
        [
            new KeyResponse(1, "bootstrap", ["admin"], Created.AddDays(-30), null, Created, null, true),
            new KeyResponse(12, Request.Name!, Request.Scopes!, Created, Expires, null, null, false),
        ],
        new PageLinks(null));

    /// <summary>The 404 of DELETE /v1/keys/999.</summary>
    public static readonly System.Text.Json.Nodes.JsonObject NotFound = new()
    {
        ["type"] = "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        ["title"] = "Not Found",
        ["status"] = 404,
        ["detail"] = "No API key has the id 999.",
        ["instance"] = "/v1/keys/999",
        ["traceId"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
    };
}
