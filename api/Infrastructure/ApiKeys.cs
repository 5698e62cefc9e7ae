using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Writes require an API key in the X-Api-Key header. Keys are stored as SHA-256 hashes (they are long
/// random secrets, so a fast hash is enough) and never logged.
/// </summary>
public static class ApiKeys
{
    public const string HeaderName = "X-Api-Key";
    public const string SchemeName = "ApiKey";

    private const string KeyExists = """
        select exists (select 1 from api_keys where key_hash = @hash and revoked_at is null)
        """;

    private const string InsertKey = """
        insert into api_keys (name, key_hash) values (@name, @hash)
        on conflict (key_hash) do nothing
        """;

    /// <summary>Marks the endpoint as a write: 401 problem without a valid key, documented in OpenAPI.</summary>
    public static RouteHandlerBuilder RequireApiKey(this RouteHandlerBuilder builder) => builder
        .AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var key = http.Request.Headers[HeaderName].ToString();
            if (key.Length == 0)
            {
                return Unauthorized(http, $"This operation requires an API key in the {HeaderName} header.");
            }
            var dataSource = http.RequestServices.GetRequiredService<NpgsqlDataSource>();
            await using var connection = await dataSource.OpenConnectionAsync(http.RequestAborted);
            var valid = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(KeyExists, new { hash = Hash(key) }, cancellationToken: http.RequestAborted));
            return valid ? await next(context) : Unauthorized(http, "The API key is not valid.");
        })
        .WithMetadata(new ApiKeyRequiredAttribute())
        .ProducesProblem(StatusCodes.Status401Unauthorized);

    private static IResult Unauthorized(HttpContext http, string detail)
    {
        http.Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        return TypedResults.Json(Problems.Create(http, StatusCodes.Status401Unauthorized, "Unauthorized", detail),
            statusCode: StatusCodes.Status401Unauthorized, contentType: "application/problem+json");
    }

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

/// <summary>Endpoint metadata: the operation needs an API key (read by the OpenAPI document filters).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ApiKeyRequiredAttribute : Attribute;
