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
/// <param name="CaughtUp">True when this page reached the end of the feed as it stands: wait before following links.next. With lag.heldBack true, more changes are committed but held back.</param>
/// <param name="Lag">Whether changes already committed are held back, since when and why.</param>
public sealed record ChangesPage(IReadOnlyList<ChangeEntry> Items, ChangesLinks Links, bool CaughtUp, ChangesLag? Lag = null);

/// <summary>
/// The changes committed after the page's end that the feed does not serve yet: a change is served once every
/// transaction that began writing before it has ended, so a transaction still open holds back the changes
/// committed after it began (none is lost: they are served as soon as it ends).
/// </summary>
/// <param name="HeldBack">True when committed changes wait behind a transaction still open.</param>
/// <param name="HeldChanges">How many committed changes wait (0 when none).</param>
/// <param name="HeldSince">When the oldest waiting change was made: the feed is behind since then. Null when none waits.</param>
/// <param name="NewestChangeAt">When the newest waiting change was made: how far the feed's end is from the newest commit. Null when none waits.</param>
/// <param name="Reason">Why changes are held back, and for how long at most; null when none is.</param>
public sealed record ChangesLag(bool HeldBack, int HeldChanges, DateTime? HeldSince, DateTime? NewestChangeAt, string? Reason);

/// <summary>Where to resume reading the change feed.</summary>
/// <param name="Next">The URL of the next page, always present: at the end of the feed it resumes after the last change served and answers the changes committed since. Its since token is opaque: follow the link as it is, and keep it to resume later.</param>
public sealed record ChangesLinks(string Next);
