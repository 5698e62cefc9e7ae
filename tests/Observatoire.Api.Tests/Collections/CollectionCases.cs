using Observatoire.Api.Tests.Territories;

namespace Observatoire.Api.Tests.Collections;

/// <summary>
/// What the shared behaviours of <see cref="CollectionBehaviourTests"/> need to know of one collection. A new
/// collection gets them by adding its declaration to <see cref="CollectionCases.All"/>.
/// </summary>
public sealed record CollectionCase
{
    /// <summary>The path segment: the collection lives at /v1/{Name}.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// A valid create body with a fresh key, whose searchable text holds <c>word</c> (so that q=word finds only this
    /// test's rows) and the row number <c>n</c> (so that rows differ).
    /// </summary>
    public required Func<string, int, Dictionary<string, object?>> Valid { get; init; }

    /// <summary>The id the API gives the record created from a body.</summary>
    public Func<Dictionary<string, object?>, string> IdOf { get; init; } = body => (string)body["id"]!;

    /// <summary>What a replacement changes: this field takes this value.</summary>
    public required (string Field, object? Value) Change { get; init; }

    /// <summary>A value that makes a body invalid, and the field the 400 must name.</summary>
    public required (string Field, object? Value) Invalid { get; init; }

    /// <summary>The field that identifies a record in its body, and a fresh value for it (a replacement cannot change it).</summary>
    public required (string Field, Func<object> Fresh) Key { get; init; }

    /// <summary>The header of the CSV export.</summary>
    public required string[] CsvHeader { get; init; }

    /// <summary>The sort keys besides id and relevance.</summary>
    public required string[] SortKeys { get; init; }

    public override string ToString() => Name;
}

public static class CollectionCases
{
    /// <summary>Text that holds a search word, the row number, and the characters a CSV export must quote.</summary>
    private static string Text(string word, int n) => $"Essai {n}; \"{word}\"";

    private static Dictionary<string, object?> With(this Dictionary<string, object?> body, string field, object? value)
    {
        body[field] = value;
        return body;
    }

    public static readonly CollectionCase[] All =
    [
        new()
        {
            Name = "sources",
            Valid = (word, n) => Records.Source().With("title", Text(word, n)),
            Change = ("title", "Nouveau titre"),
            Invalid = ("url", ""),
            Key = ("id", () => Records.FreshId("source")),
            CsvHeader = ["id", "url", "title", "publisher", "seenOn", "createdAt", "updatedAt", "version"],
            SortKeys = ["title", "publisher", "seenOn", "updatedAt"],
        },
        new()
        {
            Name = "actors",
            Valid = (word, n) => Records.Organisation().With("name", Text(word, n)),
            Change = ("name", "Nouveau nom"),
            Invalid = ("name", ""),
            Key = ("id", () => Records.FreshId("org")),
            CsvHeader = ["id", "type", "category", "name", "role", "organisation", "website", "updatedAt", "version"],
            SortKeys = ["name", "type", "category", "updatedAt"],
        },
        new()
        {
            Name = "resources",
            Valid = (word, n) => Records.Resource("2018-ti2707").With("name", Text(word, n)),
            Change = ("name", "Nouveau nom"),
            Invalid = ("kind", "spiritual"),
            Key = ("id", () => Records.FreshId("resource")),
            CsvHeader = ["id", "kind", "name", "territoryId", "tags", "updatedAt", "version"],
            SortKeys = ["name", "kind", "territory", "updatedAt"],
        },
        new()
        {
            Name = "projects",
            Valid = (word, n) => Records.Project("2018-ti2707").With("name", Text(word, n)),
            Change = ("status", "abandonné"),
            Invalid = ("territoryId", "2018-ti0000"),
            Key = ("id", () => Records.FreshId("project")),
            CsvHeader = ["id", "name", "territoryId", "status", "year", "updatedAt", "version"],
            SortKeys = ["name", "territory", "status", "year", "updatedAt"],
        },
        new()
        {
            Name = "figures",
            Valid = (word, n) => Records.Figure("2018-ti2707").With("label", Text(word, n)),
            Change = ("valueText", "plus de 40 000"),
            Invalid = ("label", null),
            Key = ("id", () => Records.FreshId("figure")),
            CsvHeader = ["id", "territoryId", "label", "valueText", "valueNumeric", "unit", "referenceDate", "sourceIds", "createdAt", "updatedAt", "version"],
            SortKeys = ["label", "territory", "referenceDate", "updatedAt"],
        },
        new()
        {
            Name = "sessions",
            Valid = (word, n) =>
            {
                var number = Records.FreshNumber();
                return Records.Session(number, id: $"seance-{number}").With("title", Text(word, n));
            },
            Change = ("title", "Nouveau titre"),
            Invalid = ("title", ""),
            Key = ("id", () => Records.FreshId("seance")),
            CsvHeader = ["id", "number", "date", "datePrecision", "title", "format", "territoryId", "updatedAt", "version"],
            SortKeys = ["number", "date", "title", "updatedAt"],
        },
        new()
        {
            Name = "territories",
            Valid = (word, n) => TerritoryRequests.Valid(TerritoryRequests.FreshCode2023(), Text(word, n)),
            IdOf = body => TerritoryRequests.IdOf((string)body["code"]!),
            Change = ("name", "Nouveau nom"),
            Invalid = ("name", ""),
            Key = ("code", () => TerritoryRequests.FreshCode2023()),
            CsvHeader = ["id", "phase", "code", "name", "regionCodes", "regionNames", "departments", "communeCount", "latitude", "longitude", "studied", "updatedAt", "version"],
            SortKeys = ["name", "code", "phase", "communeCount", "updatedAt"],
        },
    ];
}
