using Observatoire.Contracts;

namespace Observatoire.Api.Sources;

/// <summary>
/// A source as a record cites it, read from one of the *_sources link tables joined to sources.
/// OwnerId is the citing record when one query reads the citations of several records.
/// </summary>
public sealed class CitationRow
{
    public string OwnerId { get; init; } = "";
    public string Id { get; init; } = "";
    public string Url { get; init; } = "";
    public string? Title { get; init; }
    public string? Publisher { get; init; }
    public DateOnly? SeenOn { get; init; }

    public SourceCitation ToCitation() => new(Id, Url, Title, Publisher, SeenOn);

    public static SourceCitation[] ToCitations(IEnumerable<CitationRow> rows) => [.. rows.Select(r => r.ToCitation())];
}

/// <summary>
/// The SQL that reads the sources a record cites, composed from its link table (e.g. actor_sources) and the link's
/// column for the citing record (e.g. actor_id), ordered by source id.
/// </summary>
public static class Citations
{
    /// <summary>The sources the record @id cites.</summary>
    public static string OfRecord(string linkTable, string ownerColumn) => $"""
        select s.id, s.url, s.title, s.publisher, s.seen_on
        from {linkTable} x join sources s on s.id = x.source_id
        where x.{ownerColumn} = @id
        order by s.id
        """;

    /// <summary>The sources each of the records @ids cites, in one query; owner_id is the citing record.</summary>
    public static string OfRecords(string linkTable, string ownerColumn) => $"""
        select x.{ownerColumn} as owner_id, s.id, s.url, s.title, s.publisher, s.seen_on
        from {linkTable} x join sources s on s.id = x.source_id
        where x.{ownerColumn} = any(@ids)
        order by x.{ownerColumn}, s.id
        """;
}
