using System.Globalization;
using System.Text.RegularExpressions;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// A date-time query parameter in RFC 3339 form, offset included (2026-11-26T09:00:00Z,
/// 2026-11-26T10:00:00.5+01:00). Anything else, a date alone or a time without offset included, fails
/// binding: the request is a 400 problem naming the parameter. The OpenAPI document shows it as a
/// string of format date-time.
/// </summary>
public readonly partial record struct Rfc3339DateTime(DateTimeOffset Value)
{
    /// <summary>The instant as a UTC DateTimeOffset, which Npgsql writes as timestamptz.</summary>
    public DateTimeOffset Utc => Value.ToUniversalTime();

    public static bool TryParse(string? text, IFormatProvider? provider, out Rfc3339DateTime result)
    {
        result = default;
        if (text is null || !Format().IsMatch(text)) return false;
        if (!DateTimeOffset.TryParse(text.ToUpperInvariant(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)) return false;
        result = new Rfc3339DateTime(value);
        return true;
    }

    public override string ToString() => Value.ToString("O", CultureInfo.InvariantCulture);

    // RFC 3339 §5.6 date-time; .NET reads at most 7 fractional digits (PostgreSQL keeps 6).
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,7})?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex Format();
}
