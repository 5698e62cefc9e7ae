using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>A record that refers to another one, listed in the 409 problem of a refused delete.</summary>
/// <param name="Collection">The collection of the referring record, e.g. "sessions".</param>
/// <param name="Id">Its id.</param>
public sealed record ReferringRecord(string Collection, string Id);

/// <summary>
/// The links between records, seen from the referenced side: checks that referenced ids exist before a
/// write (400 naming the field), and refuses to delete a record that others refer to (409 listing them).
/// </summary>
public static class References
{
    public const int MaxListed = 100;

    // The ids, of those given, that no record of the collection has.
    private const string UnknownIds = "select array(select unnest(@ids::text[]) except select id from {collection})";

    // The foreign keys that refuse the delete of a record of @table (on delete restrict or no action), each with
    // the cascading foreign key of its table, if any: the link a record owns cascades from that record.
    private const string ReferringKeys = """
        select t.relname as "table", a.attname as "column", owner_table.relname as owner, owner_column.attname as owner_column
        from pg_constraint k
        join pg_class t on t.oid = k.conrelid
        join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
        left join pg_constraint o on o.conrelid = k.conrelid and o.contype = 'f' and o.confdeltype = 'c' and cardinality(o.conkey) = 1
        left join pg_class owner_table on owner_table.oid = o.confrelid
        left join pg_attribute owner_column on owner_column.attrelid = o.conrelid and owner_column.attnum = o.conkey[1]
        where k.contype = 'f' and k.confrelid = @table::regclass and k.confdeltype in ('a', 'r') and cardinality(k.conkey) = 1
        order by 1, 2, 3
        """;

    // What refers to a record: one line per referring key, under the record that owns the referring row (the
    // row itself when it is a collection's, else the record its link cascades from).
    private const string Referring = """
        select distinct collection, id from (
            {lines}
        ) r
        order by 1, 2
        """;

    private const string TerritoryExists = "select exists (select 1 from territories where id = @id)";
    private const string ActorExists = "select exists (select 1 from actors where id = @id)";

    /// <summary>One field of a write that refers to records of a collection.</summary>
    public sealed record Field(string Name, string Collection, IReadOnlyCollection<string?>? Ids)
    {
        public static Field One(string name, string collection, string? id) => new(name, collection, id is null ? null : [id]);
    }

    /// <summary>
    /// Checks that every id the fields refer to exists: one query per collection. The problem names each
    /// field with its unknown ids.
    /// </summary>
    public static async Task<ValidationProblem?> CheckAsync(HttpContext context, NpgsqlDataSource db, CancellationToken ct, params Field[] fields)
    {
        var wanted = fields.Where(f => f.Ids is { Count: > 0 }).ToList();
        if (wanted.Count == 0) return null;

        var collections = context.RequestServices.GetRequiredService<CollectionRegistry>();
        var unknown = new HashSet<(string Collection, string Id)>();
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            foreach (var collection in wanted.GroupBy(f => f.Collection))
            {
                var ids = collection.SelectMany(f => f.Ids!).OfType<string>().Distinct().ToArray();
                var missing = await connection.ExecuteScalarAsync<string[]>(new CommandDefinition(
                    UnknownIds.Replace("{collection}", collections[collection.Key].Name, StringComparison.Ordinal), new { ids }, cancellationToken: ct));
                foreach (var id in missing ?? []) unknown.Add((collection.Key, id));
            }
        }

        var errors = new Dictionary<string, string[]>();
        foreach (var field in wanted)
        {
            var missing = field.Ids!.OfType<string>().Where(id => unknown.Contains((field.Collection, id))).Distinct().ToList();
            if (missing.Count == 0) continue;
            var noun = collections[field.Collection].Noun;
            errors[field.Name] = [missing.Count == 1 ? $"No {noun} has the id '{missing[0]}'." : $"Unknown {noun} ids: {string.Join(", ", missing)}."];
        }
        return errors.Count == 0 ? null : Problems.Validation(context, errors);
    }

    public static async Task<bool> TerritoryExistsAsync(NpgsqlConnection connection, string id, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<bool>(new CommandDefinition(TerritoryExists, new { id }, cancellationToken: ct));

    public static async Task<bool> ActorExistsAsync(NpgsqlConnection connection, string id, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<bool>(new CommandDefinition(ActorExists, new { id }, cancellationToken: ct));

    /// <summary>
    /// Runs <paramref name="deleteSql"/> (which deletes the record with @id, leaves its tombstone and returns its
    /// id) for a collection that no other record refers to. 404 when nothing was deleted.
    /// </summary>
    public static async Task<Results<NoContent, NotFoundProblem>> DeleteAsync(
        HttpContext context, NpgsqlDataSource db, string collection, string id, string deleteSql, CancellationToken ct)
    {
        var deleted = await ConflictRetry.RunAsync(async () =>
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(deleteSql, new { id }, cancellationToken: ct));
        }, ct);
        var noun = context.RequestServices.GetRequiredService<CollectionRegistry>()[collection].Noun;
        return deleted is null ? Problems.NoRecord(context, noun, id) : TypedResults.NoContent();
    }

    /// <summary>
    /// As <see cref="DeleteAsync"/>, for a collection other records refer to: when the database refuses the
    /// delete because of them, 409 listing the referring records (under "referencedBy").
    /// </summary>
    public static async Task<Results<NoContent, NotFoundProblem, ConflictProblem>> DeleteUnlessReferencedAsync(
        HttpContext context, NpgsqlDataSource db, string collection, string id, string deleteSql, CancellationToken ct)
    {
        var collections = context.RequestServices.GetRequiredService<CollectionRegistry>();
        var noun = collections[collection].Noun;
        await using var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var deleted = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(deleteSql, new { id }, cancellationToken: ct));
            return deleted is null ? Problems.NoRecord(context, noun, id) : TypedResults.NoContent();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            var referringSql = await ReferringSqlAsync(connection, collections, collection, ct);
            var referring = referringSql is null ? [] : (await connection.QueryAsync<ReferringRow>(
                new CommandDefinition(referringSql, new { id }, cancellationToken: ct))).AsList();
            var listed = referring.Take(MaxListed).Select(r => new ReferringRecord(r.Collection, r.Id)).ToList();
            var detail = referring.Count switch
            {
                0 => $"Other records refer to the {noun} '{id}': remove those references first.",
                1 => $"The {noun} '{id}' is referred to by {referring[0].Collection}/{referring[0].Id}: remove that reference first.",
                _ => $"The {noun} '{id}' is referred to by {referring.Count} records{(referring.Count > MaxListed ? $" (the first {MaxListed} are listed)" : "")}: remove those references first.",
            };
            return Problems.Conflict(context, detail, new Dictionary<string, object?> { ["referencedBy"] = listed });
        }
    }

    /// <summary>
    /// The query listing what refers to a record of the collection, from the database's own foreign keys: a
    /// collection that refers to another needs no line here. Null when nothing can.
    /// </summary>
    private static async Task<string?> ReferringSqlAsync(NpgsqlConnection connection, CollectionRegistry collections, string collection, CancellationToken ct)
    {
        var keys = await connection.QueryAsync<(string Table, string Column, string? Owner, string? OwnerColumn)>(
            new CommandDefinition(ReferringKeys, new { table = collections[collection].Name }, cancellationToken: ct));
        var lines = keys
            .Select(k => collections.Contains(k.Table) ? $"select '{k.Table}' as collection, id from {k.Table} where {k.Column} = @id"
                : k.Owner is not null && collections.Contains(k.Owner) ? $"select '{k.Owner}' as collection, {k.OwnerColumn} as id from {k.Table} where {k.Column} = @id"
                : null)
            .OfType<string>().Distinct().ToList();
        return lines.Count == 0 ? null : Referring.Replace("{lines}", string.Join("\n    union all ", lines), StringComparison.Ordinal);
    }

    private sealed class ReferringRow
    {
        public string Collection { get; init; } = "";
        public string Id { get; init; } = "";
    }
}
