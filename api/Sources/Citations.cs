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
