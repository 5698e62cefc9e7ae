using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Writes require an API key in the X-Api-Key header. Keys are stored as SHA-256 hashes (they are long
/// random secrets, so a fast hash is enough) and never logged.
/// </summary>
/// <remarks>
/// The key is checked by an authentication handler and an authorization policy, that is by middleware that
/// runs before the endpoint binds its parameters: a write without a valid key is a 401 whatever its body,
/// and the body is never read.
/// </remarks>
public static class ApiKeys
{
    public const string HeaderName = "X-Api-Key";
    public const string SchemeName = "ApiKey";
    public const string WritePolicy = "Writes";

    private const string InsertKey = """
        insert into api_keys (name, key_hash) values (@name, @hash)
        on conflict (key_hash) do nothing
        """;

    public static IServiceCollection AddObservatoireApiKeys(this IServiceCollection services)
    {
        // A lone scheme would become the default one and run on every request. Switched off, reads never look a
        // key up, even when a client sends one: only the write policy names the scheme (docs/decisions/0009).
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(SchemeName, displayName: null, configureOptions: null);
        services.AddAuthorizationBuilder().AddPolicy(WritePolicy, policy => policy
            .AddAuthenticationSchemes(SchemeName)
            .RequireAuthenticatedUser());
        // Routing would answer 415 to a body that is not JSON before authorization runs, telling an anonymous
        // caller about the body first. Without this policy, binding answers the same 415 problem, after the key.
        foreach (var accepts in services.Where(d => d.ServiceType == typeof(MatcherPolicy) &&
                     d.ImplementationType?.FullName == "Microsoft.AspNetCore.Routing.Matching.AcceptsMatcherPolicy").ToList())
        {
            services.Remove(accepts);
        }
        return services;
    }

    /// <summary>
    /// Marks the endpoint as a write: 401 problem without a valid key, documented in OpenAPI; after a 2xx, the data
    /// version known is raised before the answer is sent, so the writer's next read sees its write.
    /// </summary>
    public static RouteHandlerBuilder RequireApiKey(this RouteHandlerBuilder builder) => builder
        .RequireAuthorization(WritePolicy)
        .AddEndpointFilter(DataVersions.RaiseAfterWrite)
        .WithMetadata(new ApiKeyRequiredAttribute())
        .ProducesProblem(StatusCodes.Status401Unauthorized);

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>
    /// Registers Auth:BootstrapKey. In the local default mode without one, a key is generated once and
    /// kept beside the private cluster (README says where).
    /// </summary>
    public static async Task RegisterBootstrapKeyAsync(WebApplication app, NpgsqlDataSource dataSource, ILogger logger)
    {
        var key = app.Configuration["Auth:BootstrapKey"];
        if (string.IsNullOrWhiteSpace(key) && app.Services.GetService<LocalPostgres>() is { } cluster)
        {
            var file = Path.Combine(Path.GetDirectoryName(cluster.DataDirectory)!, "api-key");
            if (!File.Exists(file))
            {
                await File.WriteAllTextAsync(file, Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant());
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            key = (await File.ReadAllTextAsync(file)).Trim();
            logger.LogInformation("Writes need the API key stored in {File} (header {Header})", file, HeaderName);
        }
        if (string.IsNullOrWhiteSpace(key))
        {
            logger.LogWarning("No API key is configured (Auth:BootstrapKey): write operations will answer 401");
            return;
        }
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(InsertKey, new { name = "bootstrap", hash = Hash(key) });
    }
}

/// <summary>
/// Authenticates the X-Api-Key header against the stored hashes; its challenge is the 401 problem. The
/// lookup holds a pooled connection for that one query only, so a write never holds two at once.
/// </summary>
public sealed class ApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, NpgsqlDataSource dataSource)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string SelectKey = """
        select id, name from api_keys where key_hash = @hash and revoked_at is null
        """;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = Request.Headers[ApiKeys.HeaderName].ToString();
        if (key.Length == 0) return AuthenticateResult.NoResult();
        List<(long Id, string Name)> found;
        await using (var connection = await dataSource.OpenConnectionAsync(Context.RequestAborted))
        {
            found = (await connection.QueryAsync<(long, string)>(
                new CommandDefinition(SelectKey, new { hash = ApiKeys.Hash(key) }, cancellationToken: Context.RequestAborted))).AsList();
        }
        if (found.Count == 0) return AuthenticateResult.Fail("The API key is not valid.");
        var k = found[0];
        // The key's id and name identify the writer in the audit trail; the bootstrap key administers.
        Claim[] claims = [new(ClaimTypes.NameIdentifier, k.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), new(ClaimTypes.Name, k.Name)];
        if (k.Name == "bootstrap") claims = [.. claims, new Claim("scope", "admin")];
        var identity = new ClaimsIdentity(claims, Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // Says only whether a key was sent: nothing about the body, nor about which keys exist.
        var sent = Request.Headers[ApiKeys.HeaderName].ToString().Length > 0;
        var detail = sent ? "The API key is not valid." : $"This operation requires an API key in the {ApiKeys.HeaderName} header.";
        Response.Headers.WWWAuthenticate = $"{ApiKeys.SchemeName} header=\"{ApiKeys.HeaderName}\"";
        await TypedResults.Json(Problems.Create(Context, StatusCodes.Status401Unauthorized, "Unauthorized", detail),
            statusCode: StatusCodes.Status401Unauthorized, contentType: OpenApi.ProblemContentType).ExecuteAsync(Context);
    }
}

/// <summary>Endpoint metadata: the operation needs an API key (read by the OpenAPI document filters).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ApiKeyRequiredAttribute : Attribute;
