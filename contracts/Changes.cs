namespace Observatoire.Contracts;

/// <summary>The latest change of one record: its creation, its last update or its deletion. A record appears once in the feed, at the position of its latest change.</summary>
/// <param name="Collection">The collection the record belongs to, as in its URL: "territories".</param>
/// <param name="Id">The record's id in its collection.</param>
/// <param name="Operation">"created" (the record is at version 1), "updated" (a later version) or "deleted" (it no longer exists).</param>
/// <param name="Version">The record's version after the change (as in its ETag); null when it was deleted.</param>
/// <param name="ChangedAt">When the change was made. For information only: the feed is ordered by commit, not by this time.</param>
/// <param name="Href">Where to read the record as it is now; null when it was deleted.</param>
public sealed record ChangeEntry([property: CollectionName] string Collection, string Id, [property: OneOf(nameof(Vocabulary.ChangeOperations))] string Operation, long? Version, DateTime ChangedAt, string? Href);

/// <summary>One page of the change feed.</summary>
/// <param name="Items">Changes in the order they were committed, oldest first.</param>
/// <param name="Links">Where to resume.</param>
/// <param name="CaughtUp">True when this page reached the end of the feed as it stands: wait before following links.next.</param>
public sealed record ChangesPage(IReadOnlyList<ChangeEntry> Items, ChangesLinks Links, bool CaughtUp);

/// <summary>Where to resume reading the change feed.</summary>
/// <param name="Next">The URL of the next page, always present: at the end of the feed it resumes after the last change served and answers the changes committed since. Its since token is opaque: follow the link as it is, and keep it to resume later.</param>
public sealed record ChangesLinks(string Next);
