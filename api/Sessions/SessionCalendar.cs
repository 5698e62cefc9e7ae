using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Http.Metadata;
using Npgsql;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Sessions;

/// <summary>
/// Sessions as an iCalendar object (RFC 5545): one all-day VEVENT per session held on a known day. Lines end
/// with CRLF and are folded at 75 octets (never inside a UTF-8 sequence); TEXT values are escaped.
/// </summary>
public static class SessionCalendar
{
    public const string ProductId = "-//Observatoire des Territoires d'industrie//Observatoire API//FR";
    public const string Name = "Séances de l'observatoire des Territoires d'industrie";
    public const string UidDomain = "observatoire-api";

    /// <summary>What one event says about a session.</summary>
    public sealed record Event(string Id, DateOnly Date, string Title, string? Location, string Description, string? Url, DateTime UpdatedAt, long Version);

    private const int MaxOctets = 75;

    public static string Header() => Lines(
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        $"PRODID:{ProductId}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        $"X-WR-CALNAME:{EscapeText(Name)}",
        $"X-WR-CALDESC:{EscapeText("Les séances publiques de l'observatoire des Territoires d'industrie, d'après ses sources.")}",
        "REFRESH-INTERVAL;VALUE=DURATION:P1D",
        "X-PUBLISHED-TTL:P1D");

    public static string Footer() => Lines("END:VCALENDAR");

    public static string Format(Event e)
    {
        var stamp = DateTime.SpecifyKind(e.UpdatedAt, DateTimeKind.Utc).ToUniversalTime().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var lines = new List<string>
        {
            "BEGIN:VEVENT",
            $"UID:{e.Id}@{UidDomain}",
            $"DTSTAMP:{stamp}",
            $"LAST-MODIFIED:{stamp}",
            $"SEQUENCE:{Math.Max(0, e.Version - 1).ToString(CultureInfo.InvariantCulture)}",
            $"DTSTART;VALUE=DATE:{Day(e.Date)}",
            $"DTEND;VALUE=DATE:{Day(e.Date.AddDays(1))}",
            $"SUMMARY:{EscapeText(e.Title)}",
        };
        if (e.Location is not null) lines.Add($"LOCATION:{EscapeText(e.Location)}");
        lines.Add($"DESCRIPTION:{EscapeText(e.Description)}");
        if (e.Url is not null) lines.Add($"URL:{e.Url}");
        lines.Add("TRANSP:TRANSPARENT");
        lines.Add("END:VEVENT");
        return Lines([.. lines]);
    }

    /// <summary>The event's description, in French like the data: number and format, territory, partner, speakers.</summary>
    public static string Describe(int? number, string format, string? territory, string? partner, IReadOnlyList<string> speakers)
    {
        var kind = format switch { "inaugural" => "inaugurale", "territorial" => "territoriale", "thematic" => "thématique", _ => format };
        var lines = new List<string>
        {
            number is { } n
                ? $"Séance n° {n.ToString(CultureInfo.InvariantCulture)} ({kind}) de l'observatoire des Territoires d'industrie."
                : $"Séance {kind} de l'observatoire des Territoires d'industrie.",
        };
        if (territory is not null) lines.Add($"Territoire : {territory}.");
        if (partner is not null) lines.Add($"Partenaire : {partner}.");
        if (speakers.Count > 0) lines.Add($"Intervenants : {string.Join(" ; ", speakers)}.");
        return string.Join("\n", lines);
    }

    /// <summary>Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks; other control characters become spaces.</summary>
    public static string EscapeText(string value)
    {
        var text = new StringBuilder(value.Length + 8);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '\\': text.Append(@"\\"); break;
                case ';': text.Append(@"\;"); break;
                case ',': text.Append(@"\,"); break;
                case '\r' when i + 1 < value.Length && value[i + 1] == '\n': break;
                case '\r' or '\n': text.Append(@"\n"); break;
                case '\t': text.Append(c); break;
                default: text.Append(char.IsControl(c) ? ' ' : c); break;
            }
        }
        return text.ToString();
    }

    /// <summary>Content lines, each folded at 75 octets (RFC 5545 §3.1) and ended with CRLF.</summary>
    public static string Lines(params string[] lines)
    {
        var output = new StringBuilder();
        foreach (var line in lines) Fold(output, line);
        return output.ToString();
    }

    private static void Fold(StringBuilder output, string line)
    {
        var octets = 0;
        foreach (var rune in line.EnumerateRunes())
        {
            var length = rune.Utf8SequenceLength;
            if (octets + length > MaxOctets)
            {
                // A continuation line starts with one space, which counts in its 75 octets.
                output.Append("\r\n ");
                octets = 1;
            }
            output.Append(rune.ToString());
            octets += length;
        }
        output.Append("\r\n");
    }

    private static string Day(DateOnly date) => date.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
}

/// <summary>
/// Sessions as an iCalendar feed (text/calendar), streamed from the database as the events are read.
/// </summary>
public sealed class SessionCalendarResult(NpgsqlDataSource db, Func<NpgsqlConnection, CancellationToken, IAsyncEnumerable<SessionCalendar.Event>> events)
    : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public int? StatusCode => StatusCodes.Status200OK;

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), [Exports.CalendarMediaType]));

    public async Task ExecuteAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = $"{Exports.CalendarMediaType}; charset=utf-8";
        context.Response.Headers.ContentDisposition = "inline; filename=\"sessions.ics\"";

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var writer = new StreamWriter(context.Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 16 * 1024);
        await writer.WriteAsync(SessionCalendar.Header());
        var count = 0;
        await foreach (var e in events(connection, ct).WithCancellation(ct))
        {
            await writer.WriteAsync(SessionCalendar.Format(e));
            if (++count % 200 == 0) await writer.FlushAsync(ct);
        }
        await writer.WriteAsync(SessionCalendar.Footer());
        await writer.FlushAsync(ct);
    }
}
