using System.Globalization;
using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Webhooks;

/// <summary>
/// Webhook endpoints: any valid key registers, lists, reads and removes its own (an admin key sees every one), and
/// reads their delivery attempts. The notifications themselves are made and sent by <see cref="WebhookWorker"/>.
/// </summary>
public static class WebhooksApi
{
    public const string Tag = "Webhooks";
    public const string TagDescription = "Notifications of the changes of the collections a partner follows, POSTed to its endpoint and signed the Standard Webhooks way; the change feed stays the reference.";

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/webhooks").WithTags(Tag).RejectUnknownQueryParameters().ValidateRequests()
            .AddEndpointFilter(NotStored).ReadsOnPrimary();

        api.MapPost("/", CreateWebhook).WithName("createWebhook").WithSummary("Register a webhook endpoint")
            .WithDescription("Registers a URL to which the changes of the collections listed are POSTed, in batches, in feed order: each notification lists the changes " +
                "(as GET /v1/changes does) with since tokens to read them from the feed. It is signed as Standard Webhooks define (webhook-id, webhook-timestamp, webhook-signature: " +
                "v1, and the base64 HMAC-SHA256 of \"{id}.{timestamp}.{body}\" under the secret). A notification not answered with a 2xx is retried, with growing delays, " +
                "and holds back the ones after it; after 24 hours of failures the endpoint is disabled. The answer holds the secret, the only time it is shown. Any valid key may register; it owns the endpoint.")
            .WithRequestExample(WebhookExamples.Request).WithResponseExample(201, WebhookExamples.Created201).RequireAnyKey();
        api.MapGet("/", ListWebhooks).WithName("listWebhooks").WithSummary("List webhook endpoints")
            .WithDescription("The key's own endpoints (every endpoint for an admin key), by id, paged with an opaque cursor (links.next and the Link header), with their state; never their secrets.")
            .WithResponseExample(200, WebhookExamples.Page).RequireAnyKey();
        api.MapGet("/{id}", GetWebhook).WithName("getWebhook").WithSummary("Get a webhook endpoint")
            .WithDescription("One of the key's endpoints (any, for an admin key) with its state: enabled, or disabled and why. Another key's endpoint is a 404.")
            .WithResponseExample(200, WebhookExamples.Page.Items[0]).WithResponseExample(404, WebhookExamples.NotFound).RequireAnyKey();
        api.MapDelete("/{id}", DeleteWebhook).WithName("deleteWebhook").WithSummary("Remove a webhook endpoint")
            .WithDescription("Removes one of the key's endpoints (any, for an admin key), with its pending notifications and its attempts: nothing more is sent to it.")
            .WithResponseExample(404, WebhookExamples.NotFound).RequireAnyKey();
        api.MapPost("/{id}/enable", EnableWebhook).WithName("enableWebhook").WithSummary("Enable a disabled webhook endpoint again")
            .WithDescription("Resumes deliveries to one of the key's endpoints (any, for an admin key) after it was disabled: its pending notifications are sent again, " +
                "oldest first, with a new retry window. Changes committed while it was disabled were not notified: read them from the change feed, from the last token kept. " +
                "An endpoint of a revoked or expired key stays disabled. Enabling an enabled endpoint changes nothing.")
            .WithResponseExample(200, WebhookExamples.Page.Items[0]).WithResponseExample(404, WebhookExamples.NotFound).RequireAnyKey();
        api.MapGet("/{id}/attempts", ListAttempts).WithName("listWebhookAttempts").WithSummary("List the delivery attempts of a webhook endpoint")
            .WithDescription("The attempts to deliver notifications to one of the key's endpoints, newest first, kept 30 days: when, the status answered, why it failed, how long it took.")
            .WithResponseExample(200, WebhookExamples.Attempts).WithResponseExample(404, WebhookExamples.NotFound).RequireAnyKey();
        return app;
    }

    private const string EndpointColumns = """
        e.id, e.url, e.collections, e.key_id, e.created_at,
        e.disabled_at is null and k.revoked_at is null and (k.expires_at is null or k.expires_at > now()) as enabled,
        case when e.disabled_at is not null then e.disabled_reason
             when k.revoked_at is not null then 'The API key that registered it is revoked.'
             when k.expires_at <= now() then 'The API key that registered it has expired.' end as reason,
        coalesce(e.disabled_at, k.revoked_at, case when k.expires_at <= now() then k.expires_at end) as disabled_at,
        (select count(*) from webhook_deliveries d where d.endpoint_id = e.id) as pending
        """;

    private const string InsertEndpoint = """
        insert into webhook_endpoints (key_id, url, collections, secret) values (@keyId, @url, @collections, @secret)
        returning id, url, collections, key_id, created_at
        """;

    private const string SelectEndpoints = $"""
        select {EndpointColumns}
        from webhook_endpoints e join api_keys k on k.id = e.key_id
        where (@admin or e.key_id = @keyId) and e.id > @after
        order by e.id
        limit @limit
        """;

    private const string SelectEndpoint = $"""
        select {EndpointColumns}
        from webhook_endpoints e join api_keys k on k.id = e.key_id
        where (@admin or e.key_id = @keyId) and e.id = @id
        """;

    private const string DeleteEndpoint = "delete from webhook_endpoints where id = @id and (@admin or key_id = @keyId) returning id";

    // Null when the endpoint is not the key's; else its attempts (possibly none).
    private const string SelectAttempts = """
        select a.id, a.message_id, a.attempted_at, a.status, a.error, a.duration_ms, a.delivered
        from webhook_endpoints e join webhook_attempts a on a.endpoint_id = e.id
        where e.id = @id and (@admin or e.key_id = @keyId) and a.id < @before
        order by a.id desc
        limit @limit
        """;

    // The head notification starts a new retry window, due at once.
    private const string EnableEndpoint = """
        with enabled as (
            update webhook_endpoints set disabled_at = null, disabled_reason = null
            where id = @id and (@admin or key_id = @keyId)
            returning id
        ), retried as (
            update webhook_deliveries set attempts = 0, first_failed_at = null, next_attempt_at = now()
            where endpoint_id in (select id from enabled)
        )
        select id from enabled
        """;

    private const string OwnsEndpoint = "select exists (select 1 from webhook_endpoints where id = @id and (@admin or key_id = @keyId))";

    public static async Task<Results<Created<CreatedWebhookResponse>, ValidationProblem>> CreateWebhook(
        WebhookRequest request, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        var secret = request.Secret ?? WebhookSecrets.Generate();
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleAsync<CreatedRow>(new CommandDefinition(InsertEndpoint, new
        {
            keyId = Owner.Of(user).KeyId, url = request.Url!.Trim(), collections = request.Collections!.Distinct().ToArray(), secret,
        }, cancellationToken: ct));
        return TypedResults.Created($"/v1/webhooks/{row.Id}", new CreatedWebhookResponse(secret, row.Id, row.Url, row.Collections, row.KeyId, row.CreatedAt));
    }

    /// <param name="limit">Page size, 1 to 200 (default 50).</param>
    /// <param name="cursor">Opaque cursor from links.next of the previous page; follow that link as it is.</param>
    public static async Task<Results<Ok<Page<WebhookResponse>>, ValidationProblem>> ListWebhooks(
        HttpContext context, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct, int? limit = null, string? cursor = null)
    {
        if (Paging.Validate(context, limit, cursor, 1, out var take, out var after) is { } invalid) return invalid;
        var owner = Owner.Of(user);
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<EndpointRow>(new CommandDefinition(SelectEndpoints, new
        {
            owner.Admin, owner.KeyId, after = after is null ? 0 : long.Parse(after[0], CultureInfo.InvariantCulture), limit = take + 1,
        }, cancellationToken: ct))).AsList();
        return TypedResults.Ok(Paging.ToPage(context, rows, take, r => [r.Id.ToString(CultureInfo.InvariantCulture)], r => r.ToResponse()));
    }

    /// <param name="id">Id of the endpoint (WebhookResponse.id), e.g. 7.</param>
    public static async Task<Results<Ok<WebhookResponse>, NotFoundProblem>> GetWebhook(
        long id, HttpContext context, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        var owner = Owner.Of(user);
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<EndpointRow>(new CommandDefinition(SelectEndpoint, new { id, owner.Admin, owner.KeyId }, cancellationToken: ct));
        return row is null ? NoWebhook(context, id) : TypedResults.Ok(row.ToResponse());
    }

    /// <param name="id">Id of the endpoint (WebhookResponse.id), e.g. 7.</param>
    public static async Task<Results<NoContent, NotFoundProblem>> DeleteWebhook(
        long id, HttpContext context, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        var owner = Owner.Of(user);
        await using var connection = await db.OpenConnectionAsync(ct);
        var deleted = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(DeleteEndpoint, new { id, owner.Admin, owner.KeyId }, cancellationToken: ct));
        return deleted is null ? NoWebhook(context, id) : TypedResults.NoContent();
    }

    /// <param name="id">Id of the endpoint (WebhookResponse.id), e.g. 7.</param>
    public static async Task<Results<Ok<WebhookResponse>, NotFoundProblem>> EnableWebhook(
        long id, HttpContext context, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        var owner = Owner.Of(user);
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await connection.ExecuteScalarAsync<long?>(new CommandDefinition(EnableEndpoint, new { id, owner.Admin, owner.KeyId }, cancellationToken: ct)) is null)
        {
            return NoWebhook(context, id);
        }
        var row = await connection.QuerySingleAsync<EndpointRow>(new CommandDefinition(SelectEndpoint, new { id, owner.Admin, owner.KeyId }, cancellationToken: ct));
        return TypedResults.Ok(row.ToResponse());
    }

    /// <param name="id">Id of the endpoint (WebhookResponse.id), e.g. 7.</param>
    /// <param name="limit">Page size, 1 to 200 (default 50).</param>
    /// <param name="cursor">Opaque cursor from links.next of the previous page; follow that link as it is.</param>
    public static async Task<Results<Ok<Page<WebhookAttempt>>, ValidationProblem, NotFoundProblem>> ListAttempts(
        long id, HttpContext context, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct, int? limit = null, string? cursor = null)
    {
        if (Paging.Validate(context, limit, cursor, 1, out var take, out var after) is { } invalid) return invalid;
        var owner = Owner.Of(user);
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(OwnsEndpoint, new { id, owner.Admin, owner.KeyId }, cancellationToken: ct)))
        {
            return NoWebhook(context, id);
        }
        var rows = (await connection.QueryAsync<AttemptRow>(new CommandDefinition(SelectAttempts, new
        {
            id, owner.Admin, owner.KeyId, before = after is null ? long.MaxValue : long.Parse(after[0], CultureInfo.InvariantCulture), limit = take + 1,
        }, cancellationToken: ct))).AsList();
        return TypedResults.Ok(Paging.ToPage(context, rows, take, r => [r.Id.ToString(CultureInfo.InvariantCulture)],
            r => new WebhookAttempt(r.MessageId, r.AttemptedAt, r.Status, r.Error, r.DurationMs, r.Delivered)));
    }

    private static NotFoundProblem NoWebhook(HttpContext context, long id) => Problems.NotFound(context, $"No webhook endpoint of this API key has the id {id}.");

    // The answers hold a secret (on create) or say where a partner listens: no cache keeps them.
    private static async ValueTask<object?> NotStored(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        context.HttpContext.Response.Headers.CacheControl = "no-store";
        return await next(context);
    }

    /// <summary>The key calling (its id is the key handler's NameIdentifier) and whether it sees every endpoint.</summary>
    private readonly record struct Owner(long KeyId, bool Admin)
    {
        public static Owner Of(ClaimsPrincipal user) => new(
            long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!, CultureInfo.InvariantCulture), user.HasClaim(Scopes.ClaimType, Scopes.Admin));
    }

    private sealed class CreatedRow
    {
        public long Id { get; init; }
        public string Url { get; init; } = "";
        public string[] Collections { get; init; } = [];
        public long KeyId { get; init; }
        public DateTime CreatedAt { get; init; }
    }

    private sealed class EndpointRow
    {
        public long Id { get; init; }
        public string Url { get; init; } = "";
        public string[] Collections { get; init; } = [];
        public long KeyId { get; init; }
        public DateTime CreatedAt { get; init; }
        public bool Enabled { get; init; }
        public string? Reason { get; init; }
        public DateTime? DisabledAt { get; init; }
        public long Pending { get; init; }

        public WebhookResponse ToResponse() => new(Id, Url, Collections, KeyId, CreatedAt, new WebhookState(Enabled, Reason, DisabledAt, Pending));
    }

    private sealed class AttemptRow
    {
        public long Id { get; init; }
        public string MessageId { get; init; } = "";
        public DateTime AttemptedAt { get; init; }
        public int? Status { get; init; }
        public string? Error { get; init; }
        public int DurationMs { get; init; }
        public bool Delivered { get; init; }
    }
}
