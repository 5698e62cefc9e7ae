using System.Text.Json;
using Microsoft.OpenApi;
using Observatoire.Api.Changes;
using Observatoire.Contracts;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Observatoire.Api.Webhooks;

/// <summary>
/// The notification a registered endpoint receives, in the document's webhooks section (OpenAPI 3.1): its body
/// (<see cref="WebhookNotification"/>), its signature headers and the answer expected, so that partners can
/// generate and check their receivers as they do their clients.
/// </summary>
public sealed class WebhookDocument : IDocumentFilter
{
    private static readonly string Since = new FeedPosition("1187", 52407).Example();
    private static readonly string Next = new FeedPosition("1187", 52408).Example();

    public static readonly WebhookNotification Example = new(WebhookOutbox.NotificationType, new DateTime(2026, 11, 27, 14, 12, 6, DateTimeKind.Utc),
        new WebhookChanges([ChangesExamples.Page.Items[1]], Since, Next));

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        var body = context.SchemaGenerator.GenerateSchema(typeof(WebhookNotification), context.SchemaRepository);
        var operation = new OpenApiOperation
        {
            OperationId = "changesCommitted",
            Summary = "Changes were committed (sent to your endpoint)",
            Description = "POSTed by the API to each registered endpoint (POST /v1/webhooks) following a collection that changed: the changes in feed order, " +
                "with since tokens to read them from GET /v1/changes, which stays the reference. Verify webhook-signature before trusting the body: " +
                "v1, then the base64 of HMAC-SHA256 under the secret's bytes (the base64 after whsec_) of \"{webhook-id}.{webhook-timestamp}.{body}\". " +
                "Answer a 2xx within 10 seconds; anything else is retried with growing delays, the next notifications waiting, " +
                "and the endpoint is disabled after 24 hours of failures. A retry has the same webhook-id: ignore one already handled.",
            Tags = new HashSet<OpenApiTagReference> { new(WebhooksApi.Tag, document) },
            Parameters =
            [
                Header("webhook-id", "The notification's id (msg_…), the same on each of its retries."),
                Header("webhook-timestamp", "When this attempt was sent, in seconds since the Unix epoch: refuse one too far from your clock."),
                Header("webhook-signature", "v1, and the base64 HMAC-SHA256 of \"{webhook-id}.{webhook-timestamp}.{body}\" under the endpoint's secret."),
            ],
            RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, IOpenApiMediaType>
                {
                    ["application/json"] = new OpenApiMediaType { Schema = body, Example = JsonSerializer.SerializeToNode(Example, new JsonSerializerOptions(JsonSerializerDefaults.Web)) },
                },
            },
            Responses = new OpenApiResponses
            {
                ["2XX"] = new OpenApiResponse { Description = "Received: the notification is not sent again." },
                ["4XX"] = new OpenApiResponse { Description = "Refused (e.g. a signature that does not verify): sent again later, like any answer that is not a 2xx." },
                ["5XX"] = new OpenApiResponse { Description = "Failed: sent again later, with growing delays, until the endpoint is disabled after the retry window." },
            },
            // The API sends no key: the signature authenticates it.
            Security = [],
        };
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        document.Webhooks[WebhookOutbox.NotificationType] = new OpenApiPathItem { Operations = new() { [HttpMethod.Post] = operation } };
    }

    private static OpenApiParameter Header(string name, string description) => new()
    {
        Name = name, In = ParameterLocation.Header, Required = true, Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
    };
}
