using System.Globalization;
using CsvHelper;

namespace Observatoire.Api.Database;

/// <summary>Reads the RFC 4180 CSV files of seeds/ (comma-separated, UTF-8, one header row) with CsvHelper (ADR 0011).</summary>
public static class Csv
{
    // Strict: a stray quote or a row with a field too many or too few stops the seeding instead of loading a
    // shifted row. Values are taken as written, untrimmed; empty lines are skipped.
    private static readonly CsvReaderOptions Options = CsvReaderOptions.Default with
    {
        Separator = ',',
        MalformedData = CsvMalformedDataHandling.Throw,
        FieldCountMismatch = CsvFieldCountHandling.Throw,
    };

    public static IEnumerable<IReadOnlyDictionary<string, string>> Read(string path)
    {
        using var reader = CsvReader.Create(File.OpenRead(path), Options);
        while (Next(reader, path) is { } row) yield return row;
    }

    private static Dictionary<string, string>? Next(CsvReader reader, string path)
    {
        try
        {
            if (!reader.Read()) return null;
            var header = reader.Headers;
            var row = new Dictionary<string, string>(header.Count, StringComparer.Ordinal);
            for (var i = 0; i < header.Count; i++) row[header[i]] = reader.GetString(i);
            return row;
        }
        catch (CsvFormatException e)
        {
            throw new InvalidDataException($"{Path.GetFileName(path)}: {e.Message}", e);
        }
    }

    /// <summary>Splits a list field (" | "-joined unless the file uses another separator); an empty field is an empty list.</summary>
    public static string[] List(string value, char separator = '|') =>
        value.Split(separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    public static string? NullIfEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    // Strict, unlike the lenient numbers of the territory lists: a value that does not parse stops the loading.
    public static DateOnly? Date(string value) =>
        string.IsNullOrWhiteSpace(value) ? null : DateOnly.ParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static int? Int(string value) =>
        string.IsNullOrWhiteSpace(value) ? null : int.Parse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture);

    public static decimal? Decimal(string value) =>
        string.IsNullOrWhiteSpace(value) ? null : decimal.Parse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);
}
