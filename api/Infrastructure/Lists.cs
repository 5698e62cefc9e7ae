using System.Diagnostics;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Contracts;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// What a list request asks for besides its filters, checked once: the representation (format= or Accept), the
/// CSV delimiter, the page size and cursor, the search and the sort; then the conditions of the filters given and
/// the SQL parameters (<see cref="Listing{TRow, TItem}.Given"/>).
/// </summary>
/// <param name="Representation">JSON pages, or a CSV export of every matching row.</param>
/// <param name="Delimiter">The CSV delimiter.</param>
/// <param name="Take">The page size.</param>
/// <param name="Order">The sort, the id last.</param>
/// <param name="After">The sort values of the last row served (from the cursor), or null on the first page.</param>
/// <param name="Search">The prefix tsquery of q, or null without a search.</param>
public sealed record ListQuery<TRow>(
    ExportFormat Representation, char Delimiter, int Take, Querying.Sort<TRow> Order, string[]? After, string? Search)
{
    /// <summary>The conditions of the filters given (the search and updatedSince among them), in their declared order.</summary>
    public IReadOnlyList<string> Conditions { get; init; } = [];

    /// <summary>The SQL parameters: the filters given, with @query (the search), @take and the cursor's @k0, @k1…</summary>
    public DynamicParameters Parameters { get; init; } = new();

    /// <summary>The keyset condition of the next page, or null on the first page.</summary>
    public string? AfterCursor => After is null ? null : Order.After;

    /// <summary>
    /// The where clause of the filters given and of <paramref name="more"/> (nulls left out), or nothing when there
    /// is no condition: only what the request asks for reaches the SQL, so PostgreSQL plans for it.
    /// </summary>
    public string Where(params string?[] more)
    {
        var all = Conditions.Concat(more.OfType<string>()).ToList();
        return all.Count == 0 ? "" : "where " + string.Join("\n  and ", all);
    }
}

/// <summary>A list's CSV file: its header and the values of a row, in the same order.</summary>
/// <param name="Columns">The columns the export reads, when it needs more than the list's own (null: the same rows).</param>
public sealed record CsvExport<TRow>(string File, IReadOnlyList<string> Header, Func<TRow, IReadOnlyList<object?>> Row, string? Columns = null);

/// <summary>What every list row has, for the sort keys every list shares: id, updatedAt and relevance.</summary>
public interface IListRow
{
    string Id { get; }

    DateTime UpdatedAt { get; }

    /// <summary>The row's relevance to the search; read only with q.</summary>
    float Rank { get; }
}

/// <summary>
/// One collection's list, declared beside its SQL pieces: its table (the collection's name) and the alias its SQL
/// uses, the columns of its rows, its own filters and sort keys, its default order, its JSON items and its CSV file.
/// The SQL of a page, of the count and of the export is composed here, once, from those pieces; so are what every
/// collection's table has (id, updated_at and the search vector): the updatedSince filter, the search (q) and its
/// rank, and the sort keys id, updatedAt and relevance.
/// </summary>
public sealed record Listing<TRow, TItem> where TRow : IListRow
{
    /// <param name="filters">
    /// Each filter by name: a condition on the parameter of that name, which stands alone between <c>and</c>s
    /// (parenthesise an <c>or</c>). Only the filters a request gives reach the SQL, in this order.
    /// </param>
    /// <param name="sortKeys">The sort keys besides id (first), updatedAt and relevance (last).</param>
    /// <param name="toItems">What turns a page's rows into items; it may read more for the whole page at once (citations).</param>
    public Listing(
        Collection collection, string alias, string columns, IReadOnlyDictionary<string, string> filters,
        IReadOnlyDictionary<string, Querying.SortKey<TRow>> sortKeys, string defaultSort,
        Func<NpgsqlConnection, List<TRow>, CancellationToken, Task<Func<TRow, TItem>>> toItems, CsvExport<TRow> csv)
    {
        Collection = collection;
        From = $"{collection.Name} {alias}";
        Columns = columns;
        Rank = $"coalesce(ts_rank({alias}.search, to_tsquery('observatoire', @query)), 0)";
        Filters = new Dictionary<string, string>(filters)
        {
            ["updatedSince"] = $"{alias}.updated_at > @updatedSince",
            ["query"] = $"{alias}.search @@ to_tsquery('observatoire', @query)",
        };
        SortKeys = new Dictionary<string, Querying.SortKey<TRow>>([
            new("id", new($"{alias}.id", "text", r => r.Id)),
            .. sortKeys,
            new("updatedAt", new($"{alias}.updated_at", "timestamptz", r => r.UpdatedAt)),
            new("relevance", new(Rank, "real", r => r.Rank))]);
        DefaultSort = defaultSort;
        ToItems = toItems;
        Csv = csv;
    }

    /// <summary>A list whose items are their rows alone.</summary>
    public Listing(
        Collection collection, string alias, string columns, IReadOnlyDictionary<string, string> filters,
        IReadOnlyDictionary<string, Querying.SortKey<TRow>> sortKeys, string defaultSort, Func<TRow, TItem> toItem, CsvExport<TRow> csv)
        : this(collection, alias, columns, filters, sortKeys, defaultSort, (_, _, _) => Task.FromResult(toItem), csv)
    {
    }

    public Collection Collection { get; }

    /// <summary>The table and its alias.</summary>
    public string From { get; }

    public string Columns { get; }

    /// <summary>A row's relevance to the search.</summary>
    public string Rank { get; }

    public IReadOnlyDictionary<string, string> Filters { get; }

    public IReadOnlyDictionary<string, Querying.SortKey<TRow>> SortKeys { get; }

    public string DefaultSort { get; }

    public Func<NpgsqlConnection, List<TRow>, CancellationToken, Task<Func<TRow, TItem>>> ToItems { get; init; }

    public CsvExport<TRow> Csv { get; }

    /// <summary>The filters that are counted per value (<see cref="Facets.MapFacets"/>), by the filter's name, in the answer's order.</summary>
    public IReadOnlyDictionary<string, Facet> Facets
    {
        get;
        init => field = value.Keys.FirstOrDefault(k => !Filters.ContainsKey(k) || k is "updatedSince" or "query") is { } stray
            ? throw new InvalidOperationException($"The list of {From} has no filter '{stray}' to count as a facet.")
            : value;
    } = new Dictionary<string, Facet>();

    /// <summary>The representation the list offers besides JSON and CSV, if any.</summary>
    public OtherRepresentation<TRow>? Other { get; init; }

    /// <summary>
    /// A page: the rows after the cursor, in order, and one more to tell whether a next page exists; with q, each
    /// with its rank (the cursor of a sort by relevance).
    /// </summary>
    public string SelectPage(ListQuery<TRow> list) => $"""
        select {Columns}{(list.Search is null ? "" : $", {Rank} as rank")}
        from {From}
        {list.Where(list.AfterCursor)}
        order by {list.Order.OrderBy}
        limit @take + 1
        """;

    /// <summary>The number of matching rows (Prefer: count=exact).</summary>
    public string Count(ListQuery<TRow> list) => $"""
        select count(*)
        from {From}
        {list.Where()}
        """;

    /// <summary>Every matching row, in order, for an export; <paramref name="columns"/> and <paramref name="from"/> replace the list's own.</summary>
    public string SelectAll(ListQuery<TRow> list, string? columns = null, string? from = null) => $"""
        select {columns ?? Columns}
        from {from ?? From}
        {list.Where()}
        order by {list.Order.OrderBy}
        """;

    /// <summary>
    /// The query with the filters given: the non-null values of <paramref name="filters"/> (an object whose
    /// properties are named as the filters, case aside), updatedSince and the search.
    /// </summary>
    public ListQuery<TRow> Given(ListQuery<TRow> list, object filters, DateTimeOffset? updatedSince)
    {
        var (conditions, parameters) = Bind(filters, updatedSince, list.Search);
        parameters.Add("take", list.Take);
        list.Order.AddCursor(parameters, list.After);
        return list with { Conditions = [.. conditions.Select(c => c.Condition)], Parameters = parameters };
    }

    /// <summary>
    /// The conditions of the filters given, with the filter each belongs to, and their SQL parameters: the non-null
    /// values of <paramref name="filters"/>, updatedSince and the search (<paramref name="search"/>, a tsquery).
    /// </summary>
    public (IReadOnlyList<(string Filter, string Condition)> Conditions, DynamicParameters Parameters) Bind(
        object filters, DateTimeOffset? updatedSince, string? search)
    {
        var given = new RouteValueDictionary(filters);
        if (given.Keys.FirstOrDefault(k => k is "updatedSince" or "query" || !Filters.Keys.Contains(k, StringComparer.OrdinalIgnoreCase)) is { } unknown)
        {
            throw new InvalidOperationException($"The list of {From} has no filter '{unknown}' that a handler may give.");
        }
        given["updatedSince"] = updatedSince;
        given["query"] = search;
        var parameters = new DynamicParameters();
        var conditions = new List<(string, string)>();
        foreach (var (name, condition) in Filters)
        {
            if (given.GetValueOrDefault(name) is not { } value) continue;
            parameters.Add(name, value);
            conditions.Add((name, condition));
        }
        return (conditions, parameters);
    }
}

/// <summary>
/// A representation of a list besides JSON and CSV (iCalendar, GeoJSON), offered by format= and Accept: every matching
/// row, unpaged, answered from the checked query with its filters (<see cref="ListQuery{TRow}.Where"/>, <see cref="ListQuery{TRow}.Parameters"/>).
/// </summary>
public sealed record OtherRepresentation<TRow>(ExportFormat Format, Func<NpgsqlDataSource, ListQuery<TRow>, IResult> Answer);

/// <summary>
/// The record a relation route lists under (/v1/territories/{id}/…, /v1/actors/{id}/…): unknown, it is a 404; known,
/// the list's filter named as its <paramref name="Noun"/> takes its <paramref name="Id"/>.
/// </summary>
public sealed record ListScope(string Noun, string Id, Func<NpgsqlConnection, string, CancellationToken, Task<bool>> Exists)
{
    public static ListScope Territory(string id) => new("territory", id, References.TerritoryExistsAsync);

    public static ListScope Actor(string id) => new("actor", id, References.ActorExistsAsync);

    public async Task<NotFoundProblem?> MissingAsync(HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await Exists(connection, Id, ct) ? null : Problems.NoRecord(context, Noun, Id);
    }
}

public static class Lists
{
    /// <summary>
    /// A collection's list, JSON page or CSV export: the shared parameters checked, then, for the list under a
    /// territory (<paramref name="territory"/>), a 404 for an unknown one; that list is the same list with its
    /// territory filter set to it.
    /// </summary>
    public static async Task<Results<Ok<Page<TItem>>, CsvResult, NotFoundProblem, ValidationProblem>> ReadAsync<TRow, TItem>(
        HttpContext context, NpgsqlDataSource db, Listing<TRow, TItem> listing, ListParameters parameters, object filters,
        string? territory, CancellationToken ct) where TRow : IListRow =>
        await ReadAnyAsync(context, db, listing, parameters, filters, territory is null ? null : ListScope.Territory(territory), null, ct) switch
        {
            Ok<Page<TItem>> page => page,
            CsvResult csv => csv,
            NotFoundProblem notFound => notFound,
            ValidationProblem invalid => invalid,
            var other => throw new UnreachableException($"A list without another representation answered {other.GetType().Name}."),
        };

    /// <summary>
    /// A collection's list that offers one more representation (<see cref="Listing{TRow, TItem}.Other"/>): the shared
    /// parameters checked, then the list's own (<paramref name="check"/>), then a 404 for an unknown <paramref name="scope"/>,
    /// whose list is the same list with the filter named as its noun set to its id.
    /// </summary>
    public static async Task<Results<Ok<Page<TItem>>, CsvResult, TOther, NotFoundProblem, ValidationProblem>> ReadAsync<TRow, TItem, TOther>(
        HttpContext context, NpgsqlDataSource db, Listing<TRow, TItem> listing, ListParameters parameters, object filters,
        ListScope? scope, Func<ValidationProblem?>? check, CancellationToken ct) where TRow : IListRow where TOther : IResult =>
        await ReadAnyAsync(context, db, listing, parameters, filters, scope, check, ct) switch
        {
            Ok<Page<TItem>> page => page,
            CsvResult csv => csv,
            TOther other => other,
            NotFoundProblem notFound => notFound,
            ValidationProblem invalid => invalid,
            var other => throw new UnreachableException($"A list answered {other.GetType().Name}."),
        };

    private static async Task<IResult> ReadAnyAsync<TRow, TItem>(
        HttpContext context, NpgsqlDataSource db, Listing<TRow, TItem> listing, ListParameters parameters, object filters,
        ListScope? scope, Func<ValidationProblem?>? check, CancellationToken ct) where TRow : IListRow
    {
        ExportFormat[] offered = listing.Other is { } extra ? [ExportFormat.Csv, extra.Format] : [ExportFormat.Csv];
        if (Parse(context, listing.SortKeys, listing.DefaultSort, parameters, offered, out var list) is { } invalid) return invalid;
        if (check?.Invoke() is { } invalidFilter) return invalidFilter;
        if (scope is not null && await scope.MissingAsync(context, db, ct) is { } missing) return missing;
        // The list under a record is the list with one more filter: its route declares the others, not that one.
        if (scope is not null) filters = new RouteValueDictionary(filters) { [scope.Noun] = scope.Id };
        list = listing.Given(list, filters, parameters.UpdatedSince?.Utc);
        if (list.Representation == ExportFormat.Csv)
        {
            var export = listing.SelectAll(list, listing.Csv.Columns);
            return new CsvResult(db, listing.Csv.File, listing.Csv.Header, list.Delimiter,
                (connection, token) => connection.QueryUnbufferedAsync<TRow>(export, list.Parameters).Select(listing.Csv.Row));
        }
        if (listing.Other is { } representation && list.Representation == representation.Format) return representation.Answer(db, list);
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<TRow>(new CommandDefinition(listing.SelectPage(list), list.Parameters, cancellationToken: ct))).AsList();
        var toItem = await listing.ToItems(connection, rows, ct);
        long? total = Paging.WantsTotal(context)
            ? await connection.ExecuteScalarAsync<long>(new CommandDefinition(listing.Count(list), list.Parameters, cancellationToken: ct))
            : null;
        return TypedResults.Ok(Paging.ToPage(context, rows, list.Take, list.Order.CursorOf, toItem, total));
    }

    /// <summary>The answer of a list that is not under a territory, which therefore never is a 404.</summary>
    public static Results<Ok<Page<TItem>>, CsvResult, ValidationProblem> Unscoped<TItem>(
        Results<Ok<Page<TItem>>, CsvResult, NotFoundProblem, ValidationProblem> result) => result.Result switch
    {
        Ok<Page<TItem>> page => page,
        CsvResult csv => csv,
        ValidationProblem invalid => invalid,
        _ => throw new UnreachableException("A list without a territory has no 404."),
    };

    /// <summary>The answer of a list with another representation that is not under a record, which therefore never is a 404.</summary>
    public static Results<Ok<Page<TItem>>, CsvResult, TOther, ValidationProblem> Unscoped<TItem, TOther>(
        Results<Ok<Page<TItem>>, CsvResult, TOther, NotFoundProblem, ValidationProblem> result) where TOther : IResult => result.Result switch
    {
        Ok<Page<TItem>> page => page,
        CsvResult csv => csv,
        TOther other => other,
        ValidationProblem invalid => invalid,
        _ => throw new UnreachableException("A list without a scope has no 404."),
    };

    /// <summary>
    /// Reads the parameters every list shares. The sort keys must hold "id" and "relevance"; the default order is
    /// <paramref name="defaultSort"/>, or the best matches first with q. Besides JSON, the list offers
    /// <paramref name="offered"/>. A bad value is a 400 problem naming it.
    /// </summary>
    private static ValidationProblem? Parse<TRow>(
        HttpContext context, IReadOnlyDictionary<string, Querying.SortKey<TRow>> sortKeys, string defaultSort, ListParameters parameters,
        ExportFormat[] offered, out ListQuery<TRow> list)
    {
        var (limit, cursor, q, sort, format, delimiter) =
            (parameters.Limit, parameters.Cursor, parameters.Q, parameters.Sort, parameters.Format, parameters.Delimiter);
        list = new ListQuery<TRow>(ExportFormat.Json, ';', Paging.DefaultLimit, new Querying.Sort<TRow>([]), null, null);
        if (Exports.Negotiate(context, format, out var representation, offered) is { } invalidFormat) return invalidFormat;
        if (Exports.Delimiter(context, delimiter, out var separator) is { } invalidDelimiter) return invalidDelimiter;
        if (Paging.Validate(context, limit, cursor, out var take, out var after) is { } invalidPage) return invalidPage;
        if (Querying.ParseSearch(context, q, out var search) is { } invalidSearch) return invalidSearch;
        if (Querying.ParseSort(context, sort, sortKeys, search is null ? defaultSort : "-relevance", out var order) is { } invalidSort) return invalidSort;
        if (search is null && order.Keys.Any(k => k.Name == "relevance"))
        {
            return Problems.Validation(context, "sort", "Sorting by relevance needs a search (q).");
        }
        var afterValues = order.Values(after);
        if (after is not null && afterValues is null)
        {
            return Problems.Validation(context, "cursor", "The cursor belongs to another sort order. Use the links.next URL of a previous page as it is.");
        }
        list = new ListQuery<TRow>(representation, separator, take, order, afterValues, search);
        return null;
    }
}
