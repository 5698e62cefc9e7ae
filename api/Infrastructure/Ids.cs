using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Record ids: stable URL-safe slugs (lowercase letters, digits, single hyphens, at most 80 characters).
/// A client may choose one on create; otherwise one is generated from the record's name. A person's id
/// is always generated and opaque, so that no id (nor the tombstone that outlives the record) carries a name.
/// </summary>
public static partial class Ids
{
    public const int MaxLength = 80;
    public const string Pattern = "^[a-z0-9]+(-[a-z0-9]+)*$";
    public const string PersonPrefix = "person-";

    private const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";
    private const int SlugLength = 60;
    private const int Attempts = 8;

    /// <summary>The literal segments after a collection's path (/v1/resources/facets): a record with such an id could not be read.</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.Ordinal) { "facets" };

    public static bool IsValid(string id) => id.Length <= MaxLength && SlugPattern().IsMatch(id) && !Reserved.Contains(id);

    [GeneratedRegex(Pattern)]
    private static partial Regex SlugPattern();

    /// <summary>"Société d'Encouragement pour l'Industrie" -> "societe-d-encouragement-pour-l-industrie".</summary>
    public static string Slug(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            var lower = char.ToLowerInvariant(c switch { 'œ' or 'Œ' => 'o', 'æ' or 'Æ' => 'a', _ => c });
            if (lower is >= 'a' and <= 'z' or >= '0' and <= '9') builder.Append(lower);
            else if (builder.Length > 0 && builder[^1] != '-') builder.Append('-');
        }
        var slug = builder.ToString().Trim('-');
        if (slug.Length > SlugLength) slug = slug[..SlugLength].TrimEnd('-');
        return slug.Length == 0 ? RandomChars(8) : Reserved.Contains(slug) ? $"{slug}-{RandomChars(6)}" : slug;
    }

    public static string RandomChars(int length) => RandomNumberGenerator.GetString(Base32, length);

    /// <summary>An opaque person id: "person-" and 10 random base32 characters.</summary>
    public static string PersonId() => PersonPrefix + RandomChars(10);

    /// <summary>The id in a replace body, when present, must be the id in the path: an id never changes.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ValidationProblem? CheckUnchanged(HttpContext context, string? bodyId, string pathId) =>
        bodyId is null || bodyId == pathId
            ? null
            : Problems.Validation(context, "id", $"The id in the body ('{bodyId}') differs from the id in the path ('{pathId}'): an id cannot change.");

    /// <summary>
    /// Inserts a record under the requested id, or under a generated one (with a random suffix when taken).
    /// <paramref name="insert"/> returns the id when the row was inserted, null when the id was taken.
    /// Returns null only when the requested id is taken.
    /// </summary>
    public static async Task<string?> ClaimAsync(string? requested, Func<string> generate, Func<string, Task<string?>> insert)
    {
        if (requested is not null) return await insert(requested);
        var generated = generate();
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var candidate = attempt == 0 ? generated : $"{generated}-{RandomChars(6)}";
            if (await insert(candidate) is { } id) return id;
        }
        throw new InvalidOperationException($"No free id found from '{generated}' after {Attempts} attempts.");
    }
}
