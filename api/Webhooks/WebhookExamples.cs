using Observatoire.Contracts;

namespace Observatoire.Api.Webhooks;

/// <summary>Examples for the OpenAPI document.</summary>
public static class WebhookExamples
{
    private static readonly DateTime Created = new(2026, 11, 26, 9, 0, 0, DateTimeKind.Utc);

    public static readonly WebhookRequest Request = new(
        Url: "https://partner.example/hooks/observatoire",
        Collections: ["territories", "resources"],
        Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

    public static readonly CreatedWebhookResponse Created201 = new(Request.Secret!, 7, Request.Url!, Request.Collections!, 12, Created);

    public static readonly Page<WebhookResponse> Page = new(
        [
            new WebhookResponse(7, Request.Url!, Request.Collections!, 12, Created, new WebhookState(true, null, null, 0)),
            new WebhookResponse(9, "https://old.partner.example/hooks", ["sessions"], 12, Created.AddDays(-40), new WebhookState(false,
                "Every attempt to deliver a notification failed for the whole retry window (1.00:00:00); the last one: The endpoint answered 503 Service Unavailable.",
                Created.AddDays(-3), 4)),
        ],
        new PageLinks(null));

    public static readonly Page<WebhookAttempt> Attempts = new(
        [
            new WebhookAttempt("msg_0193b2c4e1a07d3c8f5e2a9b6d4c1f0e", Created.AddMinutes(3), 200, null, 84, true),
            new WebhookAttempt("msg_0193b2c4e1a07d3c8f5e2a9b6d4c1f0e", Created.AddMinutes(1), 503, "The endpoint answered 503 Service Unavailable.", 12, false),
        ],
        new PageLinks(null));

    /// <summary>The 404 of GET /v1/webhooks/999.</summary>
    public static readonly System.Text.Json.Nodes.JsonObject NotFound = new()
    {
        ["type"] = "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        ["title"] = "Not Found",
        ["status"] = 404,
        ["detail"] = "No webhook endpoint of this API key has the id 999.",
        ["instance"] = "/v1/webhooks/999",
        ["traceId"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
    };
}
