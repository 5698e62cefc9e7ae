using System.Globalization;
using System.Reflection;
using System.Text;
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
/// A CSV export streamed from the database as it is read: UTF-8 with a byte order mark, one header row,
/// RFC 4180 quoting. With ';' as delimiter, decimals use a comma, as French spreadsheets expect.
/// </summary>
public sealed class CsvResult(NpgsqlDataSource db, string fileName, IReadOnlyList<string> header, char delimiter,
    Func<NpgsqlConnection, CancellationToken, IAsyncEnumerable<IReadOnlyList<object?>>> rows) : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public int? StatusCode => StatusCodes.Status200OK;

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), [Exports.CsvMediaType]));

    public async Task ExecuteAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = $"{Exports.CsvMediaType}; charset=utf-8; header=present";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        var decimalComma = delimiter == ';';

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var writer = new StreamWriter(context.Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 16 * 1024);
        await WriteLine(writer, header);
        var count = 0;
        await foreach (var row in rows(connection, ct).WithCancellation(ct))
        {
            await WriteLine(writer, row.Select(v => Format(v, decimalComma)).ToList());
            // Keep what is buffered small: the body goes out as rows come in.
            if (++count % 500 == 0) await writer.FlushAsync(ct);
        }
        await writer.FlushAsync(ct);
    }

    private Task WriteLine(StreamWriter writer, IReadOnlyList<string> fields)
    {
        var line = new StringBuilder();
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0) line.Append(delimiter);
            line.Append(Quote(fields[i]));
        }
        line.Append("\r\n");
        return writer.WriteAsync(line.ToString());
    }

    private string Quote(string value) =>
        value.IndexOfAny([delimiter, '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

    private static string Format(object? value, bool decimalComma) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        DateTime d => d.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        double or float or decimal => decimalComma
            ? ((IFormattable)value).ToString(null, CultureInfo.InvariantCulture).Replace('.', ',')
            : ((IFormattable)value).ToString(null, CultureInfo.InvariantCulture),
        IEnumerable<string> list => string.Join("|", list),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
