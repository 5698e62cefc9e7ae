using System.Text.Json.Serialization;

namespace Observatoire.Contracts;

/// <summary>
/// How many records of a list hold each value of its categorical filters, under the request's other filters and search.
/// </summary>
/// <param name="Facets">Per filter (named as the list's query parameter), its values, the most frequent first, then by value.</param>
public sealed record FacetCounts(IReadOnlyDictionary<string, IReadOnlyList<FacetValue>> Facets);

/// <summary>One value of a filter and how many records hold it.</summary>
/// <param name="Value">The value, as the filter takes it (e.g. region=27).</param>
/// <param name="Label">Its name, when the value is a code that has one (a region's name); absent otherwise.</param>
/// <param name="Count">How many records hold it: the total the list answers with this filter set to this value.</param>
public sealed record FacetValue(
    string Value,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Label,
    long Count);
