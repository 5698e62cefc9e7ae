using System.ComponentModel.DataAnnotations;
namespace Observatoire.Contracts;

/// <summary>The body of a webhook registration.</summary>
/// <param name="Url">Where notifications are POSTed: an absolute http or https URL, e.g. "https://partner.example/hooks/observatoire".</param>
/// <param name="Collections">The collections whose changes are notified, at least one, e.g. ["territories", "resources"].</param>
/// <param name="Secret">The signing secret in the Standard Webhooks form: whsec_ followed by the base64 of 24 to 64 random bytes. Absent, one is generated and answered once.</param>
public sealed record WebhookRequest(
    [property: MaxLength(Lengths.Url)] string? Url = null,
    [property: CollectionName, MaxLength(Lengths.FewIds), ItemMaxLength(Lengths.Id)] IReadOnlyList<string>? Collections = null,
    [property: MaxLength(Lengths.Name)] string? Secret = null);

/// <summary>Whether notifications are being delivered to the endpoint, and if not, why.</summary>
/// <param name="Enabled">False once deliveries failed for the whole retry window (24 hours unless configured otherwise), or when the key that registered it is revoked or expired.</param>
/// <param name="Reason">Why it is disabled, or null while it is enabled.</param>
/// <param name="DisabledAt">When it was disabled, or null.</param>
/// <param name="Pending">How many notifications wait to be delivered.</param>
public sealed record WebhookState(bool Enabled, string? Reason, DateTime? DisabledAt, long Pending);

/// <summary>A registered webhook endpoint, without its secret, which is shown once, when it is registered.</summary>
/// <param name="Id">The endpoint's id (DELETE /v1/webhooks/{id} removes it).</param>
/// <param name="Url">Where notifications are POSTed.</param>
/// <param name="Collections">The collections whose changes are notified.</param>
/// <param name="KeyId">The id of the API key that registered it, its owner.</param>
/// <param name="CreatedAt">When it was registered.</param>
/// <param name="State">Whether it is delivered to, and why not.</param>
public sealed record WebhookResponse(long Id, string Url, IReadOnlyList<string> Collections, long KeyId, DateTime CreatedAt, WebhookState State);

/// <summary>A webhook endpoint just registered, with its signing secret: the only time the API shows it.</summary>
/// <param name="Secret">The signing secret (whsec_…): verify each notification's webhook-signature with it.</param>
/// <param name="Id">The endpoint's id.</param>
/// <param name="Url">Where notifications are POSTed.</param>
/// <param name="Collections">The collections whose changes are notified.</param>
/// <param name="KeyId">The id of the API key that registered it.</param>
/// <param name="CreatedAt">When it was registered.</param>
public sealed record CreatedWebhookResponse(string Secret, long Id, string Url, IReadOnlyList<string> Collections, long KeyId, DateTime CreatedAt);

/// <summary>One attempt to deliver a notification.</summary>
/// <param name="MessageId">The notification's webhook-id header, the same on each of its attempts.</param>
/// <param name="AttemptedAt">When the request was sent.</param>
/// <param name="Status">The HTTP status answered, or null when no answer came (refused address, connection error, timeout).</param>
/// <param name="Error">Why the attempt failed, or null when it was delivered.</param>
/// <param name="DurationMs">How long the attempt took, in milliseconds.</param>
/// <param name="Delivered">Whether the endpoint accepted it (a 2xx answer).</param>
public sealed record WebhookAttempt(string MessageId, DateTime AttemptedAt, int? Status, string? Error, int DurationMs, bool Delivered);

/// <summary>
/// The body of a notification, POSTed to a webhook endpoint and signed the Standard Webhooks way (headers
/// webhook-id, webhook-timestamp, webhook-signature). It says what changed; the change feed stays the reference.
/// </summary>
/// <param name="Type">Always "changes.committed".</param>
/// <param name="Timestamp">When the notification was made.</param>
/// <param name="Data">The changes.</param>
public sealed record WebhookNotification(string Type, DateTime Timestamp, WebhookChanges Data);

/// <summary>Changes of the followed collections, in feed order, and where they are in the feed.</summary>
/// <param name="Changes">Each change, as the change feed lists it.</param>
/// <param name="Since">A since token for GET /v1/changes that reads from the first of these changes on.</param>
/// <param name="Next">A since token for GET /v1/changes that reads what follows the last of these changes.</param>
public sealed record WebhookChanges(IReadOnlyList<ChangeEntry> Changes, string Since, string Next);
