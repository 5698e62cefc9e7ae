using System.Globalization;
using System.Reflection;
using CsvHelper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>The representations a list can take besides JSON, chosen by format= or by the Accept header.</summary>
public enum ExportFormat { Json, Csv, GeoJson, Calendar }

public static class Exports
{
    public const string CsvMediaType = "text/csv";
    public const string GeoJsonMediaType = "application/geo+json";
    public const string CalendarMediaType = "text/calendar";

    private static readonly Dictionary<string, ExportFormat> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["json"] = ExportFormat.Json, ["csv"] = ExportFormat.Csv, ["geojson"] = ExportFormat.GeoJson, ["ics"] = ExportFormat.Calendar,
    };

    private static readonly Dictionary<string, ExportFormat> MediaTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["application/json"] = ExportFormat.Json, [CsvMediaType] = ExportFormat.Csv,
        [GeoJsonMediaType] = ExportFormat.GeoJson, [CalendarMediaType] = ExportFormat.Calendar,
    };

    /// <summary>
    /// The representation asked for: format= wins over Accept; JSON by default. A format the operation does
    /// not offer is a 400 naming <c>format</c>.
    /// </summary>
    public static ValidationProblem? Negotiate(HttpContext context, string? format, out ExportFormat chosen, params ExportFormat[] offered)
    {
        chosen = ExportFormat.Json;
        var names = string.Join(", ", Names.Where(n => n.Value == ExportFormat.Json || offered.Contains(n.Value)).Select(n => n.Key));
        if (format is not null)
        {
            if (Names.TryGetValue(format, out var named) && (named == ExportFormat.Json || offered.Contains(named)))
            {
                chosen = named;
                return null;
            }
            return Problems.Validation(context, "format", $"Unknown format '{format}'. This operation offers: {names}.");
        }
        if (!MediaTypeHeaderValue.TryParseList(context.Request.Headers.Accept, out var accepted)) return null;
        foreach (var media in accepted.OrderByDescending(m => m.Quality ?? 1))
        {
            if (MediaTypes.TryGetValue(media.MediaType.Value ?? "", out var type) && (type == ExportFormat.Json || offered.Contains(type)))
            {
                chosen = type;
                return null;
            }
        }
        return null;
    }

    /// <summary>
    /// The delimiters by name, as the document lists them: the characters themselves (';', ',', tab, '|') are
    /// accepted too, but make poor enum members in generated clients.
    /// </summary>
    public static readonly IReadOnlyList<string> DelimiterNames = ["semicolon", "comma", "tab", "pipe"];

    /// <summary>Reads the delimiter= parameter: ';' by default (French spreadsheets), or ',', tab, '|'.</summary>
    public static ValidationProblem? Delimiter(HttpContext context, string? delimiter, out char chosen)
    {
        chosen = ';';
        if (delimiter is null) return null;
        switch (delimiter)
        {
            case ";" or "semicolon": chosen = ';'; return null;
            case "," or "comma": chosen = ','; return null;
            case "\t" or "tab": chosen = '\t'; return null;
            case "|" or "pipe": chosen = '|'; return null;
            default: return Problems.Validation(context, "delimiter", "delimiter must be one of: ; , tab | (or semicolon, comma, pipe).");
        }
    }
}

/// <summary>
/// A CSV export streamed from the database as it is read (through a spool: see ExportSpool) (CsvHelper, ADR 0011): UTF-8 with a byte order mark,
/// one header row, RFC 4180 quoting. With ';' as delimiter, decimals use a comma, as French spreadsheets expect.
/// A text cell that starts with = + - @, tab or CR is written after a single quote, so that a spreadsheet shows it
/// instead of running it as a formula; numbers, negative ones included, stay numbers.
/// </summary>
public sealed class CsvResult(NpgsqlDataSource db, string fileName, IReadOnlyList<string> header, char delimiter,
    Func<NpgsqlConnection, CancellationToken, IAsyncEnumerable<IReadOnlyList<object?>>> rows) : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    private const string Timestamp = "yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'";

    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with
    {
        WriteByteOrderMark = true,
        Injection = CsvInjection.Escape, // its default characters are the OWASP set: = + - @ tab CR
        TrueValue = "true",
        FalseValue = "false",
    };

    /// <summary>The invariant culture with a decimal comma: dates and everything else stay as they are.</summary>
    private static readonly CultureInfo DecimalComma = DecimalCommaCulture();

    public int? StatusCode => StatusCodes.Status200OK;

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), [Exports.CsvMediaType]));

    public Task ExecuteAsync(HttpContext context) => ExportSpool.SendAsync(context, db, response =>
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = $"{Exports.CsvMediaType}; charset=utf-8; header=present";
        response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
    }, WriteAsync);

    private async Task WriteAsync(NpgsqlConnection connection, Stream body, CancellationToken ct)
    {
        // The query runs and its first row is read before any byte is written: a failure there is still answered
        // with its status (a failure later aborts the answer, see StartedResponses).
        await using var reader = rows(connection, ct).GetAsyncEnumerator(ct);
        var more = await reader.MoveNextAsync();
        // The writer keeps one buffer and sends it whenever it is mostly full: memory stays flat, the body goes
        // out as rows come in.
        await using var csv = CsvWriter.Create(body, Options with
        {
            Separator = delimiter,
            FormatProvider = delimiter == ';' ? DecimalComma : CultureInfo.InvariantCulture,
        }, leaveOpen: true);
        foreach (var name in header) csv.WriteField(name);
        await csv.EndRecordAsync(ct);
        for (; more; more = await reader.MoveNextAsync())
        {
            foreach (var value in reader.Current) Write(csv, value);
            await csv.EndRecordAsync(ct);
        }
        await csv.FlushAsync(ct);
    }

    private static void Write(CsvWriter csv, object? value)
    {
        switch (value)
        {
            case bool b: csv.WriteField(b); break;
            case DateTime d: csv.WriteField(d.ToUniversalTime(), Timestamp); break;
            case DateOnly d: csv.WriteField(d); break;
            case IEnumerable<string> list: csv.WriteField(string.Join('|', list)); break;
            // Text is checked for formulas; numbers are formatted with the culture chosen above.
            default: csv.WriteField(value); break;
        }
    }

    private static CultureInfo DecimalCommaCulture()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NumberDecimalSeparator = ",";
        return CultureInfo.ReadOnly(culture);
    }
}
