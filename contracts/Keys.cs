using System.ComponentModel.DataAnnotations;
namespace Observatoire.Contracts;

/// <summary>The body of a key creation.</summary>
/// <param name="Name">Who or what uses the key, e.g. "Région Grand Est, knowledge base editors" (at most 200 characters).</param>
/// <param name="Scopes">What the key may do, at least one: write:&lt;collection&gt; creates, replaces and deletes that collection's records (write:sources); admin does every write and manages keys.</param>
/// <param name="ExpiresAt">When the key stops working (RFC 3339, in the future); absent, it works until revoked.</param>
public sealed record KeyRequest(
    [property: MaxLength(Lengths.Name)] string? Name = null,
    [property: ScopeName, MaxLength(Lengths.FewIds), ItemMaxLength(Lengths.Id)] IReadOnlyList<string>? Scopes = null,
    DateTimeOffset? ExpiresAt = null);

/// <summary>An API key, without its secret, which is shown once, when the key is created.</summary>
/// <param name="Id">The key's id, to revoke it (DELETE /v1/keys/{id}).</param>
/// <param name="Name">Who or what uses the key.</param>
/// <param name="Scopes">What the key may do: admin, or write:&lt;collection&gt; for each collection it may write.</param>
/// <param name="CreatedAt">When the key was created.</param>
/// <param name="ExpiresAt">When the key stops working, or null if it does not expire.</param>
/// <param name="LastUsedAt">When a request last used the key (recorded at most once a minute), or null if none has.</param>
/// <param name="RevokedAt">When the key was revoked, or null if it is not.</param>
/// <param name="Bootstrap">Whether this is the key configured in Auth:BootstrapKey (revoked when that setting changes).</param>
public sealed record KeyResponse(
    long Id, string Name, IReadOnlyList<string> Scopes, DateTime CreatedAt, DateTime? ExpiresAt, DateTime? LastUsedAt, DateTime? RevokedAt, bool Bootstrap);

/// <summary>A key just created, with its secret: the only time the API shows it. Send it in the X-Api-Key header.</summary>
/// <param name="Key">The secret: obs_ followed by 46 letters and digits, the last 6 a checksum. Stored hashed, never shown again.</param>
/// <param name="Id">The key's id, to revoke it (DELETE /v1/keys/{id}).</param>
/// <param name="Name">Who or what uses the key.</param>
/// <param name="Scopes">What the key may do.</param>
/// <param name="CreatedAt">When the key was created.</param>
/// <param name="ExpiresAt">When the key stops working, or null if it does not expire.</param>
public sealed record CreatedKeyResponse(string Key, long Id, string Name, IReadOnlyList<string> Scopes, DateTime CreatedAt, DateTime? ExpiresAt);
