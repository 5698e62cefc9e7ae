using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Writes require an API key in the X-Api-Key header, with the scope the operation needs (<see cref="Scopes"/>).
/// Keys are stored as SHA-256 hashes (they are long random secrets, so a fast hash is enough) and never logged.
/// </summary>
/// <remarks>
/// The key is checked by an authentication handler and an authorization policy, that is by middleware that
/// runs before the endpoint binds its parameters: a write without a valid key is a 401 whatever its body,
/// and the body is never read (docs/decisions/0009, 0024).
/// </remarks>
public static class ApiKeys
{
    public const string HeaderName = "X-Api-Key";
    public const string SchemeName = "ApiKey";
    public const string WritePolicy = "Writes";

    // One statement, so that two processes starting with the same key agree; a revoked key stays revoked.
    private const string RegisterBootstrap = """
        with revoked as (
            update api_keys set revoked_at = now()
            where bootstrap and revoked_at is null and key_hash <> @hash
            returning id
        ), registered as (
            insert into api_keys (name, key_hash, scopes, bootstrap) values ('bootstrap', @hash, '{admin}', true)
            on conflict (key_hash) do nothing
            returning id
        )
        select (select count(*) from revoked) as revoked,
               exists (select 1 from api_keys where key_hash = @hash and revoked_at is not null) as configured_key_revoked
        """;

    public static IServiceCollection AddObservatoireApiKeys(this IServiceCollection services)
    {
        // A lone scheme would become the default one and run on every request. Switched off, reads never look a
        // key up, even when a client sends one: only the write policy names the scheme (docs/decisions/0009).
        // The scheme still answers the fallback policy's refusals (challenge and forbid), which never look a key up.
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthentication(options =>
            {
                options.DefaultChallengeScheme = SchemeName;
                options.DefaultForbidScheme = SchemeName;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(SchemeName, displayName: null, configureOptions: null);
        services.AddAuthorizationBuilder()
            .AddPolicy(WritePolicy, policy => policy
                .AddAuthenticationSchemes(SchemeName)
                .RequireAuthenticatedUser()
                .AddRequirements(new ScopeRequirement()))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().AddRequirements(new ReadOnlyUnlessDeclared()).Build());
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
    /// Marks the endpoint as a write of its collection: it needs a key with <c>write:&lt;collection&gt;</c> or admin
    /// (401 problem without a valid key, 403 without the scope; the document filters describe both); after a 2xx, the data version
    /// known is raised before the answer is sent, so the writer's next read sees its write.
    /// </summary>
    public static RouteHandlerBuilder RequireApiKey(this RouteHandlerBuilder builder)
    {
        builder.Add(endpoint => endpoint.Metadata.Add(Scopes.ForWrite(endpoint)));
        return builder.NeedsKey().WithMetadata(ReadReplicas.AnswersVersion.Instance).AddEndpointFilter(DataVersions.RaiseAfterWrite);
    }

    /// <summary>Marks the endpoint as key management (or another admin operation): it needs a key with admin.</summary>
    public static RouteHandlerBuilder RequireAdmin(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new RequiredScope(Scopes.Admin)).NeedsKey();

    /// <summary>Marks the endpoint as usable with any valid key (on what that key owns; admin keys on everything).</summary>
    public static RouteHandlerBuilder RequireAnyKey(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new RequiredScope(Scopes.AnyKey)).NeedsKey();

    private static RouteHandlerBuilder NeedsKey(this RouteHandlerBuilder builder) => builder
        .RequireAuthorization(WritePolicy)
        .WithMetadata(new ApiKeyRequiredAttribute())
        .ProducesProblem(StatusCodes.Status401Unauthorized);

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>
    /// Registers Auth:BootstrapKey as an admin key and revokes the bootstrap keys configured before it. In the local
    /// default mode without one, a key is generated once and kept beside the private cluster (README says where).
    /// </summary>
    public static async Task RegisterBootstrapKeyAsync(IServiceProvider services, NpgsqlDataSource dataSource, ILogger logger)
    {
        var key = services.GetRequiredService<IConfiguration>()["Auth:BootstrapKey"];
        if (string.IsNullOrWhiteSpace(key) && services.GetService<LocalPostgres>() is { } cluster)
        {
            var file = Path.Combine(Path.GetDirectoryName(cluster.DataDirectory)!, "api-key");
            if (!File.Exists(file))
            {
                await File.WriteAllTextAsync(file, ApiKeyFormat.Generate());
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            key = (await File.ReadAllTextAsync(file)).Trim();
            logger.LogInformation("Writes need the API key stored in {File} (header {Header})", file, HeaderName);
        }
        if (string.IsNullOrWhiteSpace(key))
        {
            logger.LogWarning("No bootstrap API key is configured (Auth:BootstrapKey): only keys made with the keys command can write");
            return;
        }
        if (ApiKeyFormat.IsPrefixed(key) && !ApiKeyFormat.IsWellFormed(key))
        {
            logger.LogError("Auth:BootstrapKey starts with {Prefix} but its checksum is wrong, so every request will refuse it: " +
                            "use a key printed by the keys command, or one without that prefix", ApiKeyFormat.Prefix);
        }
        await using var connection = await dataSource.OpenConnectionAsync();
        var (revoked, configuredKeyRevoked) = await connection.QuerySingleAsync<(long, bool)>(RegisterBootstrap, new { hash = Hash(key) });
        if (revoked > 0) logger.LogInformation("Revoked the previous bootstrap API key: Auth:BootstrapKey changed");
        if (configuredKeyRevoked) logger.LogError("The configured bootstrap API key (Auth:BootstrapKey) was revoked: it stays refused; configure a new one");
    }
}

/// <summary>Endpoint metadata: the operation needs an API key (read by the OpenAPI document filters).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ApiKeyRequiredAttribute : Attribute;
