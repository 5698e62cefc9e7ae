using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Signs cursors with this deployment's secret (HMAC-SHA256, a 16-byte tag), so that a client can neither forge nor
/// alter one (their values reach typed SQL parameters and casts). The secret is <c>Paging:CursorKey</c> when
/// configured (at least 32 characters), else 32 random bytes that the first instance to need them stores in the
/// database (<c>deployment_secrets</c>) and every instance reads: replicas agree, a page has the same bytes wherever
/// it is served (its ETag is strong), and the local default mode keeps the secret with its data. See ADR 0020.
/// </summary>
public sealed class CursorKeys
{
    public const int MinimumKeyLength = 32;
    private const int TagLength = 16;

    // Two statements, each its own transaction: the select sees whichever instance's insert won.
    private const string CreateSecret = """
        insert into deployment_secrets (name, value) values ('cursor', @candidate) on conflict (name) do nothing
        """;

    private const string SelectSecret = "select value from deployment_secrets where name = 'cursor'";

    // Read once; a failure (the database unreachable) is not kept, so the next request tries again.
    private readonly Lazy<byte[]> _key;

    public CursorKeys(IConfiguration configuration, NpgsqlDataSource db)
    {
        var configured = configuration["Paging:CursorKey"];
        if (!string.IsNullOrEmpty(configured) && configured.Length < MinimumKeyLength)
        {
            throw new InvalidOperationException($"Paging:CursorKey must be at least {MinimumKeyLength} characters long (a random secret).");
        }
        _key = string.IsNullOrEmpty(configured)
            ? new Lazy<byte[]>(() => StoredSecret(db), LazyThreadSafetyMode.PublicationOnly)
            : new Lazy<byte[]>(Encoding.UTF8.GetBytes(configured));
    }

    public byte[] Sign(string purpose, byte[] payload) => [.. payload, .. Tag(purpose, payload)];

    /// <summary>The payload signed for <paramref name="purpose"/> with this deployment's secret, or null.</summary>
    public byte[]? Open(string purpose, byte[] token)
    {
        if (token.Length <= TagLength) return null;
        var payload = token[..^TagLength];
        return CryptographicOperations.FixedTimeEquals(Tag(purpose, payload), token.AsSpan(token.Length - TagLength)) ? payload : null;
    }

    private byte[] Tag(string purpose, byte[] payload) =>
        HMACSHA256.HashData(_key.Value, (byte[])[.. Encoding.UTF8.GetBytes(purpose), 0, .. payload])[..TagLength];

    private static byte[] StoredSecret(NpgsqlDataSource db)
    {
        using var connection = db.OpenConnection();
        connection.Execute(CreateSecret, new { candidate = RandomNumberGenerator.GetBytes(32) });
        return connection.QuerySingle<byte[]>(SelectSecret);
    }
}

public static class CursorKeysSetup
{
    public static IServiceCollection AddObservatoireCursorKeys(this IServiceCollection services) => services.AddSingleton<CursorKeys>();
}
