using System.Text;
using CsvHelper;

namespace Observatoire.Api.Tests.Reading;

/// <summary>Reads exports back, strictly: malformed quoting or a ragged row fails the test.</summary>
public static class Csv
{
    public static List<string[]> Parse(string text, char delimiter)
    {
        using var reader = CsvReader.Create(Encoding.UTF8.GetBytes(text), CsvReaderOptions.Default with
        {
            Separator = delimiter,
            HasHeader = false,
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = CsvFieldCountHandling.Throw,
        });
        var rows = new List<string[]>();
        foreach (var record in reader) rows.Add(record.ToArray());
        return rows;
    }
}
