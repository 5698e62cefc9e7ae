using System.Security.Cryptography;
using Dapper;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Idempotent creates (IETF httpapi Idempotency-Key draft). A POST with an Idempotency-Key that its API key already
/// sent within 24 hours with the same body gets the first answer again (status, Location, body) with
/// Idempotent-Replayed: true; with another body, 422; while the first is still running, 409. The key's row is
/// written in the transaction of the create (<see cref="Writes{TResponse}"/>), so the record and the key commit
/// together or not at all. See docs/decisions/0025-safe-writes.md.
/// </summary>
public static class Idempotency
{
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    private const string SelectAnswer = """
        select request_hash, status, location, body from idempotency_keys
        where api_key = @scope and key = @key and created_at > now() - interval '24 hours'
        """;

    // Held until the create's transaction ends (a crash included): a second request with the key meanwhile is a 409.
    private const string TryLock = "select pg_try_advisory_xact_lock(hashtextextended(@scope || E'\\n' || @key, 0))";

    private const string ForgetExpired = """
        delete from idempotency_keys where api_key = @scope and key = @key and created_at <= now() - interval '24 hours'
        """;

    private const string Taken = "select exists (select 1 from idempotency_keys where api_key = @scope and key = @key)";

    private const string InsertAnswer = """
        insert into idempotency_keys (api_key, key, request_hash, status, location, body)
        values (@scope, @key, @hash, @status, @location, @body)
        """;

    // Opportunistic: a few creates clear expired keys, skipping rows another transaction holds.
    private const string Purge = """
        delete from idempotency_keys where ctid in (
            select ctid from idempotency_keys where created_at < now() - interval '24 hours' limit 1000 for update skip locked)
        """;

    /// <summary>The key of a create and the hash of its body, for <see cref="Writes{TResponse}"/>.</summary>
    public sealed record Request(string Scope, string Key, byte[] Hash);

    /// <summary>The request's body is kept so that the filter can hash the bytes that were bound.</summary>
    public static IApplicationBuilder UseIdempotencyKeys(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.Headers.ContainsKey(HeaderName)) context.Request.EnableBuffering();
        return next(context);
    });

    public static Request? Of(HttpContext context) => context.Items[typeof(Request)] as Request;

    /// <summary>The endpoint filter of every create: replays, refuses a reused key, or lets the create run.</summary>
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        if (!context.Request.Headers.TryGetValue(HeaderName, out var values)) return await next(invocation);
        var key = Parse(values.ToString());
        if (key is null)
        {
            return Problems.Validation(context, HeaderName,
                $"The {HeaderName} header is a quoted string of 1 to {MaxKeyLength} visible characters, e.g. \"8e03978e-40d5-43e8-bc93-6894a57f9324\".");
        }

        byte[] hash;
        context.Request.Body.Position = 0;
        using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            var buffer = new byte[16384];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0) sha.AppendData(buffer, 0, read);
            hash = sha.GetHashAndReset();
        }
        var request = new Request(AuditTrail.KeyOf(context).Id ?? "", key, hash);

        await using (var connection = await context.RequestServices.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync(context.RequestAborted))
        {
            var answers = (await connection.QueryAsync<Answer>(new CommandDefinition(SelectAnswer, new { scope = request.Scope, key }, cancellationToken: context.RequestAborted))).AsList();
            if (answers is [var answer])
            {
                if (!CryptographicOperations.FixedTimeEquals(answer.RequestHash, hash))
                {
                    return TypedResults.Problem(Problems.Create(context, StatusCodes.Status422UnprocessableEntity, "Unprocessable Content",
                        $"This {HeaderName} was already used with another request body. Use a new key for a new request."));
                }
                return new ReplayResult(answer);
            }
        }
        context.Items[typeof(Request)] = request;
        return await next(invocation);
    }

    /// <summary>
    /// In the create's transaction, before its write: false when the key is in use by a running request, or was
    /// answered since the filter looked (the client retries and gets the replay).
    /// </summary>
    public static async Task<bool> ClaimAsync(NpgsqlConnection connection, Request request, CancellationToken ct)
    {
        var parameters = new { scope = request.Scope, key = request.Key };
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(TryLock, parameters, cancellationToken: ct))) return false;
        await connection.ExecuteAsync(new CommandDefinition(ForgetExpired, parameters, cancellationToken: ct));
        if (await connection.ExecuteScalarAsync<bool>(new CommandDefinition(Taken, parameters, cancellationToken: ct))) return false;
        if (Random.Shared.Next(50) == 0) await connection.ExecuteAsync(new CommandDefinition(Purge, cancellationToken: ct));
        return true;
    }

    /// <summary>In the create's transaction, after its write: the answer to replay.</summary>
    public static Task CompleteAsync(NpgsqlConnection connection, Request request, int status, string location, byte[] body, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(InsertAnswer, new
        {
            scope = request.Scope, key = request.Key, hash = request.Hash, status, location, body = System.Text.Encoding.UTF8.GetString(body),
        }, cancellationToken: ct));

    public static ConflictProblem InUse(HttpContext context) => Problems.Conflict(context,
        $"A request with this {HeaderName} is still being processed. Retry later: the first request's answer will be replayed.");

    /// <summary>The key as a structured-field string ("…"); a bare token is accepted too.</summary>
    private static string? Parse(string value)
    {
        var key = value.Trim();
        if (key.Length >= 2 && key[0] == '"' && key[^1] == '"') key = key[1..^1];
        return key.Length is 0 or > MaxKeyLength || key.Any(c => c is < '\x21' or > '\x7e' or '"' or '\\') ? null : key;
    }

    private sealed class Answer
    {
        public byte[] RequestHash { get; init; } = [];
        public int Status { get; init; }
        public string? Location { get; init; }
        public string Body { get; init; } = "";
    }

    /// <summary>The first answer again: status, Location and body, marked as replayed.</summary>
    private sealed class ReplayResult(Answer answer) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => answer.Status;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = answer.Status;
            if (answer.Location is not null) response.Headers.Location = answer.Location;
            response.Headers[ReplayedHeader] = "true";
            response.ContentType = "application/json; charset=utf-8";
            return response.WriteAsync(answer.Body, httpContext.RequestAborted);
        }
    }
}
