using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Keys made by the API: <c>obs_</c>, 40 random base62 characters (about 238 bits) and a 6-character base62 CRC-32
/// of them. The prefix lets secret scanners recognise a leaked key; the checksum lets a mistyped or truncated key
/// be refused without looking it up. Other keys (a configured bootstrap key) may be any string.
/// </summary>
public static class ApiKeyFormat
{
    public const string Prefix = "obs_";
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const int RandomLength = 40;
    private const int ChecksumLength = 6;
    public const int Length = 4 + RandomLength + ChecksumLength;

    public static string Generate()
    {
        var random = RandomNumberGenerator.GetString(Alphabet, RandomLength);
        return Prefix + random + Checksum(random);
    }

    /// <summary>Whether the key claims this format (then it must also pass <see cref="IsWellFormed"/>).</summary>
    public static bool IsPrefixed(string key) => key.StartsWith(Prefix, StringComparison.Ordinal);

    public static bool IsWellFormed(string key)
    {
        if (key.Length != Length || !IsPrefixed(key)) return false;
        var random = key.AsSpan(Prefix.Length, RandomLength);
        foreach (var c in random)
        {
            if (!Alphabet.Contains(c)) return false;
        }
        return key.AsSpan(Prefix.Length + RandomLength).SequenceEqual(Checksum(random.ToString()));
    }

    private static string Checksum(string random)
    {
        var crc = Crc32.HashToUInt32(Encoding.ASCII.GetBytes(random));
        var digits = new char[ChecksumLength];
        for (var i = ChecksumLength - 1; i >= 0; i--)
        {
            digits[i] = Alphabet[(int)(crc % 62)];
            crc /= 62;
        }
        return new string(digits);
    }
}
