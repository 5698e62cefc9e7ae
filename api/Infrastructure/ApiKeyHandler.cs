using System.Security.Claims;
using System.Text.Encodings.Web;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Authenticates the X-Api-Key header against the stored hashes: a live key (not revoked, not expired) becomes a
/// principal with its id (<see cref="ClaimTypes.NameIdentifier"/>), its name (<see cref="ClaimTypes.Name"/>) and
/// one <see cref="Scopes.ClaimType"/> claim per scope. Its challenge is the 401 problem, its refusal the 403 one;
/// neither says why a key was refused (unknown, revoked, expired, mistyped), nor whether it exists.
/// </summary>
/// <remarks>
/// A key with the <c>obs_</c> prefix and a wrong checksum is refused without a query. Otherwise one query, on a
/// connection held for it alone (a write never holds two at once), looks the key up and records its use at most
/// once a minute. Nothing is cached: a revocation applies to the next request.
/// </remarks>
public sealed class ApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, NpgsqlDataSource dataSource)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string InvalidKey = "The API key is not valid.";

    private const string SelectLiveKey = """
        with live as (
            select id, name, scopes, last_used_at from api_keys
            where key_hash = @hash and revoked_at is null and (expires_at is null or expires_at > now())
        ), used as (
            update api_keys k set last_used_at = now()
            from live
            where k.id = live.id and (live.last_used_at is null or live.last_used_at < now() - interval '1 minute')
        )
        select id, name, scopes from live
        """;

    // A class, not a positional record: Dapper reports text[] as System.Array and finds no matching constructor.
    private sealed class LiveKey
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public string[] Scopes { get; init; } = [];
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = Request.Headers[ApiKeys.HeaderName].ToString();
        if (key.Length == 0) return AuthenticateResult.NoResult();
        if (ApiKeyFormat.IsPrefixed(key) && !ApiKeyFormat.IsWellFormed(key)) return AuthenticateResult.Fail(InvalidKey);
        LiveKey? live;
        await using (var connection = await dataSource.OpenConnectionAsync(Context.RequestAborted))
        {
            live = await connection.QuerySingleOrDefaultAsync<LiveKey>(
                new CommandDefinition(SelectLiveKey, new { hash = ApiKeys.Hash(key) }, cancellationToken: Context.RequestAborted));
        }
        if (live is null) return AuthenticateResult.Fail(InvalidKey);
        Claim[] identity = [new(ClaimTypes.NameIdentifier, live.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), new(ClaimTypes.Name, live.Name)];
        var principal = new ClaimsPrincipal(new ClaimsIdentity(identity.Concat(live.Scopes.Select(s => new Claim(Scopes.ClaimType, s))), Scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (DeclaresNoKey())
        {
            await HandleForbiddenAsync(properties);
            return;
        }
        // Says only whether a key was sent: nothing about the body, nor about which keys exist.
        var sent = Request.Headers[ApiKeys.HeaderName].ToString().Length > 0;
        var detail = sent ? InvalidKey : $"This operation requires an API key in the {ApiKeys.HeaderName} header.";
        Response.Headers.WWWAuthenticate = $"{ApiKeys.SchemeName} header=\"{ApiKeys.HeaderName}\"";
        await Write(StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Write(StatusCodes.Status403Forbidden, "Forbidden", DeclaresNoKey()
            ? "No API key may use this operation."
            : ScopeMissing(Context.GetEndpoint()?.Metadata.GetMetadata<RequiredScope>()?.Scope ?? Scopes.Admin));

    /// <summary>The 403's detail: the scope the operation needs, which says nothing about the key.</summary>
    public static string ScopeMissing(string scope) => scope == Scopes.Admin
        ? $"This operation needs an API key with the {Scopes.Admin} scope."
        : $"This operation needs an API key with the {scope} or the {Scopes.Admin} scope.";

    // An operation refused by the fallback policy: a write mapped without any key requirement.
    private bool DeclaresNoKey() => Context.GetEndpoint()?.Metadata.GetMetadata<ApiKeyRequiredAttribute>() is null;

    private Task Write(int status, string title, string detail) =>
        TypedResults.Json(Problems.Create(Context, status, title, detail), statusCode: status, contentType: OpenApi.ProblemContentType).ExecuteAsync(Context);
}
