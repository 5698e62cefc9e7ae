using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Observatoire.Contracts;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// A filter of a list counted per value: <paramref name="Values"/> is the SQL expression of a row's value (over the
/// list's alias), or with <paramref name="Many"/> of its values (an array: each value counts a row once);
/// <paramref name="Label"/>, an SQL expression over <c>v.value</c>, names a value that is a code. The values must be
/// what the filter takes, so that a count is the list's total for that value.
/// </summary>
public sealed record Facet(string Values, bool Many = false, string? Label = null);

/// <summary>The parameters of a facets read besides the list's filters: the list's search and updatedSince.</summary>
public sealed record FacetParameters
{
    /// <summary>Only the rows changed after this instant: an RFC 3339 date-time with its offset, e.g. 2026-11-26T09:00:00Z.</summary>
    [FromQuery(Name = "updatedSince")] public Rfc3339DateTime? UpdatedSince { get; init; }

    /// <summary>Search, in French, as the list's q.</summary>
    [FromQuery(Name = "q"), System.ComponentModel.DataAnnotations.MaxLength(Lengths.Search)] public string? Q { get; init; }
}

/// <summary>
/// The facets of a list (GET …/facets): for each filter its listing declares a facet, how many matching rows hold
/// each value, under the request's filters and search. A facet's own filter is not applied to its own counts, as filter
/// interfaces expect: with region=27, the regions other than 27 are still counted, so that the interface can offer
/// them; every other facet is counted within region 27. See docs/decisions/0031-facets.md.
/// </summary>
public static class Facets
{
    /// <summary>
    /// Maps GET /facets in the collection's group, answered by <paramref name="handler"/>, the collection's named
    /// handler that binds the list's filters ([AsParameters], named as the listing's filters) and calls
    /// <see cref="ReadAsync"/>: the query is checked as the list's is.
    /// </summary>
    public static RouteHandlerBuilder MapFacets<TRow, TItem>(
        this IEndpointRouteBuilder api, Listing<TRow, TItem> listing, ListParameters.Docs docs, Delegate handler, FacetCounts example) where TRow : IListRow
    {
        var collection = listing.Collection;
        var noun = char.ToUpperInvariant(collection.Noun[0]) + collection.Noun[1..];
        return api.MapGet("/facets", handler)
            .WithName($"count{noun}Facets").WithSummary($"Count {collection.Name} per filter value")
            .WithDescription($"For each of the filters {string.Join(", ", listing.Facets.Keys)}: how many {collection.Name} hold each of its values, " +
                "under the filters given and the search (q) as the list applies them; the most frequent value first, then by value; values that no " +
                "matching record holds are left out. A filter's own value is not applied to its own counts: with one of these filters set, the other " +
                "values of that filter are still counted (each within the other filters), so that a filter interface can offer them. Each count is " +
                "therefore the list's total (Prefer: count=exact) with the same parameters and that filter set to that value. Parameters are checked as the list checks them.")
            .WithResponseExample(200, example)
            .WithListDocs(docs).CacheableRead();
    }

    /// <summary>
    /// The counts of a list's facets under <paramref name="filters"/> (an object whose properties are named as the
    /// listing's filters) and the search; <paramref name="check"/> checks the filters as the list does.
    /// </summary>
    public static async Task<Results<Ok<FacetCounts>, ValidationProblem>> ReadAsync<TRow, TItem>(
        HttpContext context, NpgsqlDataSource db, Listing<TRow, TItem> listing, object filters, FacetParameters parameters,
        Func<ValidationProblem?>? check, CancellationToken ct) where TRow : IListRow
    {
        if (Querying.ParseSearch(context, parameters.Q, out var search) is { } invalidSearch) return invalidSearch;
        if (check?.Invoke() is { } invalid) return invalid;
        var (conditions, values) = listing.Bind(filters, parameters.UpdatedSince?.Utc, search);
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<FacetRow>(new CommandDefinition(Count(listing, conditions), values, cancellationToken: ct))).AsList();
        var facets = listing.Facets.Keys.ToDictionary(name => name, name => (IReadOnlyList<FacetValue>)[.. rows
            .Where(r => r.Facet == name)
            .OrderByDescending(r => r.Count).ThenBy(r => r.Value, StringComparer.Ordinal)
            .Select(r => new FacetValue(r.Value, r.Label, r.Count))]);
        return TypedResults.Ok(new FacetCounts(facets));
    }

    /// <summary>
    /// One count per facet, joined: each under every condition but its own filter's, its rows' values unnested and
    /// grouped. The facets' names and SQL are the listing's constants; the values given are parameters.
    /// </summary>
    internal static string Count<TRow, TItem>(Listing<TRow, TItem> listing, IReadOnlyList<(string Filter, string Condition)> conditions)
        where TRow : IListRow => string.Join("\nunion all\n", listing.Facets.Select(facet =>
    {
        var (name, (expression, many, label)) = (facet.Key, facet.Value);
        var values = many ? $"(select distinct x::text from unnest({expression}) x)" : $"(select ({expression})::text)";
        var where = conditions.Where(c => c.Filter != name).Select(c => c.Condition).Prepend("v.value is not null");
        return $"""
            select '{name}' as facet, v.value, {label ?? "null::text"} as label, count(*) as count
            from {listing.From}
            cross join lateral {values} as v(value)
            where {string.Join("\n  and ", where)}
            group by v.value
            """;
    }));

    private sealed record FacetRow(string Facet, string Value, string? Label, long Count);
}
