using System.Globalization;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Keys;

/// <summary>
/// Key management, for admin keys only: create (the secret is answered once), list and read (never the secrets), revoke.
/// The keys command (<see cref="KeysCommand"/>) does the same from the command line, with the same statements.
/// </summary>
public static class KeysApi
{
    public const string Tag = "Keys";
    public const string TagDescription = "API keys and their scopes: create, list and revoke (admin keys only).";

    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/keys").WithTags(Tag).RejectUnknownQueryParameters().ValidateRequests()
            .AddEndpointFilter(NotStored).ReadsOnPrimary();

        api.MapPost("/", CreateKey).WithName("createKey").WithSummary("Create an API key")
            .WithDescription("Creates a key with a name, its scopes and an optional expiry. The answer holds the key itself, in key: the only time it is shown (it is stored hashed). Send it in the X-Api-Key header. Needs an admin key.")
            .WithRequestExample(KeyExamples.Request).WithResponseExample(201, KeyExamples.Created201).RequireAdmin();
        api.MapGet("/", ListKeys).WithName("listKeys").WithSummary("List API keys")
            .WithDescription("Every key, revoked and expired ones included, by id, paged with an opaque cursor (links.next and the Link header); never their secrets. Needs an admin key.")
            .WithResponseExample(200, KeyExamples.Page).RequireAdmin();
        api.MapGet("/{id}", GetKey).WithName("getKey").WithSummary("Get an API key")
            .WithDescription("One key, revoked and expired ones included, never its secret. Needs an admin key.")
            .WithResponseExample(200, KeyExamples.Page.Items[1]).WithResponseExample(404, KeyExamples.NotFound).RequireAdmin();
        api.MapDelete("/{id}", RevokeKey).WithName("revokeKey").WithSummary("Revoke an API key")
            .WithDescription("Revokes a key: from the next request on, it is refused (401). Revoking a revoked key changes nothing. Needs an admin key.")
            .WithResponseExample(404, KeyExamples.NotFound).RequireAdmin();
        return app;
    }

    private const string KeyColumns = "id, name, scopes, created_at, expires_at, last_used_at, revoked_at, bootstrap";

    private const string InsertKey = $"""
        insert into api_keys (name, key_hash, scopes, expires_at) values (@name, @hash, @scopes, @expiresAt)
        returning {KeyColumns}
        """;

    private const string SelectKeys = $"""
        select {KeyColumns} from api_keys
        where id > @after
        order by id
        limit @limit
        """;

    private const string SelectKey = $"""
        select {KeyColumns} from api_keys where id = @id
        """;

    private const string RevokeKeyById = """
        update api_keys set revoked_at = coalesce(revoked_at, now()) where id = @id returning id
        """;

    public static async Task<Results<Created<CreatedKeyResponse>, ValidationProblem>> CreateKey(
        KeyRequest request, NpgsqlDataSource db, CancellationToken ct)
    {
        var (key, created) = await CreateAsync(db, request, ct);
        return TypedResults.Created($"/v1/keys/{created.Id}",
            new CreatedKeyResponse(key, created.Id, created.Name, created.Scopes, created.CreatedAt, created.ExpiresAt));
    }

    /// <param name="limit">Page size, 1 to 200 (default 50).</param>
    /// <param name="cursor">Opaque cursor from links.next of the previous page; follow that link as it is.</param>
    public static async Task<Results<Ok<Page<KeyResponse>>, ValidationProblem>> ListKeys(
        HttpContext context, NpgsqlDataSource db, CancellationToken ct, int? limit = null, string? cursor = null)
    {
        if (Paging.Validate(context, limit, cursor, 1, out var take, out var after) is { } invalid) return invalid;
        var afterId = after is null ? 0 : long.Parse(after[0], CultureInfo.InvariantCulture);
        var rows = await ListAsync(db, afterId, take + 1, ct);
        return TypedResults.Ok(Paging.ToPage(context, rows, take, r => [r.Id.ToString(CultureInfo.InvariantCulture)], r => r.ToResponse()));
    }

    /// <param name="id">Id of the key (KeyResponse.id), e.g. 12.</param>
    public static async Task<Results<Ok<KeyResponse>, NotFoundProblem>> GetKey(long id, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<KeyRow>(new CommandDefinition(SelectKey, new { id }, cancellationToken: ct));
        return row is null ? NoKey(context, id) : TypedResults.Ok(row.ToResponse());
    }

    /// <param name="id">Id of the key (KeyResponse.id), e.g. 12.</param>
    public static async Task<Results<NoContent, NotFoundProblem>> RevokeKey(long id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        await RevokeAsync(db, id, ct) ? TypedResults.NoContent() : NoKey(context, id);

    private static NotFoundProblem NoKey(HttpContext context, long id) => Problems.NotFound(context, $"No API key has the id {id}.");

    /// <summary>Creates the key of a valid request: its secret, and the key as stored.</summary>
    public static async Task<(string Key, KeyResponse Created)> CreateAsync(NpgsqlDataSource db, KeyRequest request, CancellationToken ct)
    {
        var key = ApiKeyFormat.Generate();
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleAsync<KeyRow>(new CommandDefinition(InsertKey, new
        {
            name = request.Name!.Trim(),
            hash = ApiKeys.Hash(key),
            scopes = request.Scopes!.Distinct().ToArray(),
            expiresAt = request.ExpiresAt?.UtcDateTime,
        }, cancellationToken: ct));
        return (key, row.ToResponse());
    }

    /// <summary>Up to <paramref name="limit"/> keys after the id <paramref name="after"/>, by id.</summary>
    public static async Task<IReadOnlyList<KeyRow>> ListAsync(NpgsqlDataSource db, long after, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return [.. await connection.QueryAsync<KeyRow>(new CommandDefinition(SelectKeys, new { after, limit }, cancellationToken: ct))];
    }

    /// <summary>Revokes the key <paramref name="id"/>: false when there is none.</summary>
    public static async Task<bool> RevokeAsync(NpgsqlDataSource db, long id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(RevokeKeyById, new { id }, cancellationToken: ct)) is not null;
    }

    // The answers hold secrets (on create) or say which keys exist: no cache keeps them.
    private static async ValueTask<object?> NotStored(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        context.HttpContext.Response.Headers.CacheControl = "no-store";
        return await next(context);
    }

    public sealed class KeyRow
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public string[] Scopes { get; init; } = [];
        public DateTime CreatedAt { get; init; }
        public DateTime? ExpiresAt { get; init; }
        public DateTime? LastUsedAt { get; init; }
        public DateTime? RevokedAt { get; init; }
        public bool Bootstrap { get; init; }

        public KeyResponse ToResponse() => new(Id, Name, Scopes, CreatedAt, ExpiresAt, LastUsedAt, RevokedAt, Bootstrap);
    }
}
