using System.Globalization;
using System.Reflection;
using System.Text;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using Microsoft.AspNetCore.Http.Metadata;
using Npgsql;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Sessions;

/// <summary>
/// Sessions as an iCalendar object (RFC 5545), written by Ical.Net: one all-day VEVENT per session held on a known
/// day. Ical.Net escapes the TEXT values and writes the dates; its line folding is redone here (see <see cref="Refold"/>).
/// </summary>
public static class SessionCalendar
{
    public const string ProductId = "-//Observatoire des Territoires d'industrie//Observatoire API//FR";
    public const string Name = "Séances de l'observatoire des Territoires d'industrie";
    public const string UidDomain = "observatoire-api";
    private const string About = "Les séances publiques de l'observatoire des Territoires d'industrie, d'après ses sources.";
    private const string End = "END:VCALENDAR\r\n";
    private const int MaxOctets = 75;

    /// <summary>What one event says about a session.</summary>
    public sealed record Event(string Id, DateOnly Date, string Title, string? Location, string Description, string? Url, DateTime UpdatedAt, long Version);

    /// <summary>
    /// The calendar's own properties: the calendar as Ical.Net writes it without events, less its END line, so that
    /// the events can be streamed after it one by one.
    /// </summary>
    public static string Header { get; } = WriteHeader();

    public static string Footer => End;

    private static string WriteHeader()
    {
        var calendar = new Ical.Net.Calendar { ProductId = ProductId, Scale = "GREGORIAN", Method = "PUBLISH" };
        calendar.AddProperty("X-WR-CALNAME", Name);
        calendar.AddProperty("X-WR-CALDESC", About);
        var refresh = new CalendarProperty("REFRESH-INTERVAL", "P1D");
        refresh.AddParameter("VALUE", "DURATION");
        calendar.AddProperty(refresh);
        calendar.AddProperty("X-PUBLISHED-TTL", "P1D");
        var text = Serialize(calendar);
        return text.EndsWith(End, StringComparison.Ordinal) ? text[..^End.Length] : throw new InvalidOperationException("A calendar must end with END:VCALENDAR.");
    }

    public static string Format(Event e)
    {
        var updated = new CalDateTime(DateTime.SpecifyKind(e.UpdatedAt, DateTimeKind.Utc), CalDateTime.UtcTzId);
        var calendarEvent = new CalendarEvent
        {
            Uid = $"{e.Id}@{UidDomain}",
            DtStamp = updated,
            LastModified = updated,
            Sequence = (int)Math.Clamp(e.Version - 1, 0, int.MaxValue),
            // All day: DATE values, in no time zone, and the next day as the (exclusive) end.
            DtStart = new CalDateTime(e.Date),
            DtEnd = new CalDateTime(e.Date.AddDays(1)),
            Summary = Plain(e.Title),
            Description = Plain(e.Description),
            Transparency = "TRANSPARENT",
        };
        if (e.Location is not null) calendarEvent.Location = Plain(e.Location);
        // Ical.Net writes a URI as given (its OriginalString), as the feed always has.
        if (e.Url is not null && Uri.TryCreate(e.Url, UriKind.RelativeOrAbsolute, out var url)) calendarEvent.Url = url;
        return Serialize(calendarEvent);
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

    /// <summary>
    /// A TEXT value holds no control character but tabs and line breaks (RFC 5545 §3.3.11): Ical.Net escapes line
    /// breaks and leaves other control characters as they are, so they become spaces first.
    /// </summary>
    private static string Plain(string value) =>
        value.Any(IsForbidden) ? string.Concat(value.Select(c => IsForbidden(c) ? ' ' : c)) : value;

    private static bool IsForbidden(char c) => char.IsControl(c) && c is not ('\t' or '\r' or '\n');

    private static string Serialize(ICalendarComponent component) => Refold(new CalendarSerializer().SerializeToString(component)!);

    /// <summary>
    /// Folds content lines at 75 octets (RFC 5545 §3.1), never inside a character. Ical.Net 5.2.4 folds at 75 octets but
    /// weighs each UTF-16 unit alone, so it can fold between the two halves of a character outside the BMP (an emoji),
    /// which then reach the client as two U+FFFD: its folds are undone and done again by Unicode scalar value.
    /// </summary>
    private static string Refold(string serialized)
    {
        var output = new StringBuilder(serialized.Length + 16);
        foreach (var line in serialized.Replace("\r\n ", "", StringComparison.Ordinal).Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var octets = 0;
            foreach (var rune in line.EnumerateRunes())
            {
                if (octets + rune.Utf8SequenceLength > MaxOctets)
                {
                    // A continuation line starts with one space, which counts in its 75 octets.
                    output.Append("\r\n ");
                    octets = 1;
                }
                output.Append(rune.ToString());
                octets += rune.Utf8SequenceLength;
            }
            output.Append("\r\n");
        }
        return output.ToString();
    }
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

    public Task ExecuteAsync(HttpContext context) => ExportSpool.SendAsync(context, db, response =>
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = $"{Exports.CalendarMediaType}; charset=utf-8";
        response.Headers.ContentDisposition = "inline; filename=\"sessions.ics\"";
    }, WriteAsync);

    private async Task WriteAsync(NpgsqlConnection connection, Stream body, CancellationToken ct)
    {
        await using var writer = new StreamWriter(body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 16 * 1024, leaveOpen: true);
        await writer.WriteAsync(SessionCalendar.Header);
        var count = 0;
        await foreach (var e in events(connection, ct).WithCancellation(ct))
        {
            await writer.WriteAsync(SessionCalendar.Format(e));
            if (++count % 200 == 0) await writer.FlushAsync(ct);
        }
        await writer.WriteAsync(SessionCalendar.Footer);
        await writer.FlushAsync(ct);
    }
}
