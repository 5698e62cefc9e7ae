namespace Observatoire.Contracts;

/// <summary>A record that matches a search, from any collection.</summary>
/// <param name="Type">The collection the record belongs to, as in its URL: territories, resources, actors, sessions, projects, figures or sources.</param>
/// <param name="Id">The record's id in its collection.</param>
/// <param name="Title">Its name, title or label (a source without a title shows its URL).</param>
/// <param name="Snippet">A short extract of its text with the matching words between &lt;mark&gt; and &lt;/mark&gt;. The text around them is HTML-escaped, so the snippet can be shown as HTML as it is.</param>
/// <param name="Rank">Relevance of the hit (PostgreSQL ts_rank): higher is better; comparable within one search only.</param>
/// <param name="Href">Where to read the record, e.g. /v1/sessions/seance-03.</param>
public sealed record SearchHit([property: CollectionName] string Type, string Id, string Title, string Snippet, float Rank, string Href);
