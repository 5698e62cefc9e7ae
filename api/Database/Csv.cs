using System.Text;

namespace Observatoire.Api.Database;

/// <summary>Reads the RFC 4180 CSV files of seeds/ (comma-separated, UTF-8, one header row).</summary>
public static class Csv
{
    public static IEnumerable<IReadOnlyDictionary<string, string>> Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        string[]? header = null;
        foreach (var record in Records(reader))
        {
            if (header is null)
            {
                header = record.ToArray();
                continue;
            }
            if (record.Count == 1 && record[0].Length == 0) continue;
            if (record.Count != header.Length)
            {
                throw new InvalidDataException($"{Path.GetFileName(path)}: a row has {record.Count} fields, the header {header.Length}.");
            }
            var row = new Dictionary<string, string>(header.Length, StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++) row[header[i]] = record[i];
            yield return row;
        }
    }

    private static IEnumerable<List<string>> Records(TextReader reader)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var any = false;
        int c;
        while ((c = reader.Read()) != -1)
        {
            any = true;
            var ch = (char)c;
            if (quoted)
            {
                if (ch != '"') field.Append(ch);
                else if (reader.Peek() == '"') field.Append((char)reader.Read());
                else quoted = false;
                continue;
            }
            switch (ch)
            {
                case '"': quoted = true; break;
                case ',': fields.Add(field.ToString()); field.Clear(); break;
                case '\r': break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    yield return fields;
                    fields = [];
                    any = false;
                    break;
                default: field.Append(ch); break;
            }
        }
        if (any)
        {
            fields.Add(field.ToString());
            yield return fields;
        }
    }

    /// <summary>Splits a list field (" | "-joined unless the file uses another separator); an empty field is an empty list.</summary>
    public static string[] List(string value, char separator = '|') =>
        value.Split(separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    public static string? NullIfEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
