using System.Security.Cryptography;
using System.Text;

namespace Observatoire.Api.Webhooks;

/// <summary>
/// Signing secrets and signatures as Standard Webhooks defines them: a secret is whsec_ and the base64 of 24 to 64
/// bytes; a signature is v1, and the base64 of HMAC-SHA256(secret bytes, "{webhook-id}.{webhook-timestamp}.{body}").
/// </summary>
public static class WebhookSecrets
{
    public const string Prefix = "whsec_";
    public const int MinBytes = 24;
    public const int MaxBytes = 64;

    public static string Generate() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The secret's bytes, or null when it is not of the form whsec_ and 24 to 64 bytes in base64.</summary>
    public static byte[]? Decode(string secret)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var encoded = secret[Prefix.Length..];
        var bytes = new byte[encoded.Length];
        return Convert.TryFromBase64String(encoded, bytes, out var length) && length is >= MinBytes and <= MaxBytes ? bytes[..length] : null;
    }

    public static string Sign(string secret, string messageId, long timestamp, string body)
    {
        var key = Decode(secret) ?? throw new ArgumentException("Not a Standard Webhooks secret.", nameof(secret));
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.{body}"));
        return "v1," + Convert.ToBase64String(mac);
    }
}
