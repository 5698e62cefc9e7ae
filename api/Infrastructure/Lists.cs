using System.Diagnostics;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Contracts;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// What a list request asks for besides its filters, checked once: the representation (format= or Accept), the
/// CSV delimiter, the page size and cursor, the search and the sort. The SQL of each collection stays its own.
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
    /// <summary>The SQL parameters: the filters given, with @query (the search), @take and the cursor's @k0, @k1…</summary>
    public DynamicParameters Parameters(object filters)
    {
        var parameters = new DynamicParameters(filters);
        parameters.Add("query", Search);
        parameters.Add("take", Take);
        Order.AddCursor(parameters, After);
        return parameters;
    }

    /// <summary>The keyset condition of the next page ("true" on the first page).</summary>
    public string AfterCursor => After is null ? "true" : Order.After;
}

/// <summary>
/// One collection's list, declared beside its SQL: its sort keys and default order, the SQL of a page (keyset, limit
/// @take + 1), of the count and of the export (every matching row, in order), its JSON items and its CSV file. The
/// export may read rows of its own type: <see cref="CsvRows"/> maps them.
/// </summary>
/// <param name="ToItems">What turns a page's rows into items; it may read more for the whole page at once (citations).</param>
public sealed record Listing<TRow, TItem>(
    IReadOnlyDictionary<string, Querying.SortKey<TRow>> SortKeys, string DefaultSort,
    Func<ListQuery<TRow>, string> SelectPage, string Count,
    Func<NpgsqlConnection, List<TRow>, CancellationToken, Task<Func<TRow, TItem>>> ToItems,
    string CsvFile, IReadOnlyList<string> CsvHeader, Func<ListQuery<TRow>, string> SelectExport,
    Func<NpgsqlConnection, string, DynamicParameters, IAsyncEnumerable<IReadOnlyList<object?>>> CsvRows)
{
    /// <summary>A list whose items are their rows alone.</summary>
    public Listing(
        IReadOnlyDictionary<string, Querying.SortKey<TRow>> sortKeys, string defaultSort,
        Func<ListQuery<TRow>, string> selectPage, string count, Func<TRow, TItem> toItem,
        string csvFile, IReadOnlyList<string> csvHeader, Func<ListQuery<TRow>, string> selectExport,
        Func<NpgsqlConnection, string, DynamicParameters, IAsyncEnumerable<IReadOnlyList<object?>>> csvRows)
        : this(sortKeys, defaultSort, selectPage, count, (_, _, _) => Task.FromResult(toItem), csvFile, csvHeader, selectExport, csvRows)
    {
    }

    /// <summary>The representation the list offers besides JSON and CSV, if any.</summary>
    public OtherRepresentation<TRow>? Other { get; init; }
}

/// <summary>
/// A representation of a list besides JSON and CSV (iCalendar, GeoJSON), offered by format= and Accept: every matching
/// row, unpaged, answered from the checked query and its SQL parameters.
/// </summary>
public sealed record OtherRepresentation<TRow>(ExportFormat Format, Func<NpgsqlDataSource, ListQuery<TRow>, DynamicParameters, IResult> Answer);

/// <summary>The record a relation route lists under (/v1/territories/{id}/…, /v1/actors/{id}/…): unknown, it is a 404.</summary>
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
    /// territory (<paramref name="territory"/>, also one of the <paramref name="filters"/>), a 404 for an unknown one.
    /// </summary>
    public static async Task<Results<Ok<Page<TItem>>, CsvResult, NotFoundProblem, ValidationProblem>> ReadAsync<TRow, TItem>(
        HttpContext context, NpgsqlDataSource db, Listing<TRow, TItem> listing, ListParameters parameters, object filters,
        string? territory, CancellationToken ct) =>
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
    /// parameters checked, then the list's own (<paramref name="check"/>), then a 404 for an unknown <paramref name="scope"/>.
    /// </summary>
    public static async Task<Results<Ok<Page<TItem>>, CsvResult, TOther, NotFoundProblem, ValidationProblem>> ReadAsync<TRow, TItem, TOther>(
        HttpContext context, NpgsqlDataSource db, Listing<TRow, TItem> listing, ListParameters parameters, object filters,
        ListScope? scope, Func<ValidationProblem?>? check, CancellationToken ct) where TOther : IResult =>
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
        ListScope? scope, Func<ValidationProblem?>? check, CancellationToken ct)
    {
        ExportFormat[] offered = listing.Other is { } extra ? [ExportFormat.Csv, extra.Format] : [ExportFormat.Csv];
        if (Parse(context, listing.SortKeys, listing.DefaultSort, parameters, offered, out var list) is { } invalid) return invalid;
        if (check?.Invoke() is { } invalidFilter) return invalidFilter;
        if (scope is not null && await scope.MissingAsync(context, db, ct) is { } missing) return missing;
        var sql = list.Parameters(filters);
        if (list.Representation == ExportFormat.Csv)
        {
            return new CsvResult(db, listing.CsvFile, listing.CsvHeader, list.Delimiter,
                (connection, token) => listing.CsvRows(connection, listing.SelectExport(list), sql));
        }
        if (listing.Other is { } representation && list.Representation == representation.Format) return representation.Answer(db, list, sql);
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<TRow>(new CommandDefinition(listing.SelectPage(list), sql, cancellationToken: ct))).AsList();
        var toItem = await listing.ToItems(connection, rows, ct);
        long? total = Paging.WantsTotal(context)
            ? await connection.ExecuteScalarAsync<long>(new CommandDefinition(listing.Count, sql, cancellationToken: ct))
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
        if (Querying.TooLong(context, q) is { } tooLong) return tooLong;
        var search = Querying.ToTsQuery(q);
        if (q is not null && search is null) return Problems.Validation(context, "q", "q must contain at least one word.");
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
