using System.Security.Cryptography;
using System.Text;

namespace Observatoire.Api.Tests.Writes;

/// <summary>API keys besides the bootstrap one, stored as the API stores them (SHA-256 of the key).</summary>
public static class WriteKeys
{
    private static readonly string[] Collections = ["territories", "figures", "resources", "actors", "projects", "sessions", "sources"];

    /// <summary>A new valid key that writes every collection but has no admin scope: its secret and its id.</summary>
    public static async Task<(string Secret, string Id)> NewPartnerKeyAsync()
    {
        var secret = $"partner-{Guid.NewGuid():N}";
        var id = await TestApi.Database.ScalarAsync<long>(
            "insert into api_keys (name, key_hash, scopes) values ($1, $2, $3) returning id", $"partner {secret[^6..]}", SHA256.HashData(Encoding.UTF8.GetBytes(secret)),
            Collections.Select(c => $"write:{c}").ToArray());
        return (secret, id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public static HttpClient Client(string secret)
    {
        var client = TestApi.Anonymous();
        client.DefaultRequestHeaders.Add("X-Api-Key", secret);
        return client;
    }
}
