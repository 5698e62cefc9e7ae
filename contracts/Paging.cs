using System.Text.Json.Serialization;

namespace Observatoire.Contracts;

/// <summary>One page of a collection.</summary>
/// <param name="Items">The items of this page, in the collection's order.</param>
/// <param name="Links">Links to related pages.</param>
/// <param name="Total">The number of items matching the query, over all pages; present only when asked for with the header Prefer: count=exact.</param>
public sealed record Page<T>(
    IReadOnlyList<T> Items,
    PageLinks Links,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Total = null);

/// <summary>Links from a page to its neighbours.</summary>
/// <param name="Next">The URL of the next page, or null on the last page. Its cursor is opaque: follow the link as it is.</param>
public sealed record PageLinks(string? Next);
