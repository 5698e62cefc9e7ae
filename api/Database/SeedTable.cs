namespace Observatoire.Api.Database;

/// <summary>
/// A table a collection seeds, declared once by its columns: its staging table, its COPY and its upsert are
/// composed from them. The upsert only rewrites a row when a value differs and counts the rows it wrote; a row
/// owned by a record (a link, a session's document) that is written touches that record, so that its version
/// moves, unless this load wrote the record itself.
/// </summary>
public sealed class SeedTable
{
    private SeedTable(string name, string[] key, string[] values, (string Column, string Collection)? owner, Dictionary<string, string> references)
    {
        Name = name;
        Key = key;
        Values = values;
        Owner = owner;
        References = references;
    }

    /// <summary>The table it writes.</summary>
    public string Name { get; }

    /// <summary>The columns of its primary key: a row of the seeds replaces the row with the same key.</summary>
    public string[] Key { get; }

    /// <summary>The other columns, rewritten when one differs.</summary>
    public string[] Values { get; }

    /// <summary>Every column, in the order of a row's values: the key, then the other columns.</summary>
    public string[] Columns => [.. Key, .. Values];

    /// <summary>The record a row belongs to (the column naming it and its collection), for rows that are not records.</summary>
    public (string Column, string Collection)? Owner { get; }

    /// <summary>The columns naming records of a collection (or a territory), checked against the seeds before anything is written.</summary>
    public IReadOnlyDictionary<string, string> References { get; }

    /// <summary>A collection's own table, keyed by id: <paramref name="values"/> are its seeded columns besides id.</summary>
    public static SeedTable Records(string collection, string[] values, Dictionary<string, string>? references = null) =>
        new(collection, ["id"], values, null, references ?? []);

    /// <summary>A two-column link from a record of <paramref name="owner"/> to a record of <paramref name="target"/>.</summary>
    public static SeedTable Links(string table, (string Column, string Collection) owner, (string Column, string Collection) target) =>
        new(table, [owner.Column, target.Column], [], owner, new() { [owner.Column] = owner.Collection, [target.Column] = target.Collection });

    /// <summary>Rows owned by a record, keyed by the owner and <paramref name="key"/>, e.g. a session's documents by position.</summary>
    public static SeedTable Owned(string table, (string Column, string Collection) owner, string[] key, string[] values,
        Dictionary<string, string>? references = null) =>
        new(table, [owner.Column, .. key], values, owner, new(references ?? []) { [owner.Column] = owner.Collection });

    internal string Staging => $"seed_{Name}";

    internal string CreateStaging =>
        $"create temporary table {Staging} on commit drop as select {string.Join(", ", Columns)} from {Name} with no data";

    internal string Copy => $"copy {Staging} ({string.Join(", ", Columns)}) from stdin (format binary)";

    // Returns the number of rows written. The owner's update leaves its row as it is: the trigger moves its version.
    internal string Upsert
    {
        get
        {
            var columns = string.Join(", ", Columns);
            var conflict = Values.Length == 0
                ? "on conflict do nothing"
                : $"""
                  on conflict ({string.Join(", ", Key)}) do update set {string.Join(", ", Values.Select(c => $"{c} = excluded.{c}"))}
                      where ({string.Join(", ", Values.Select(c => $"{Name}.{c}"))}) is distinct from ({string.Join(", ", Values.Select(c => $"excluded.{c}"))})
                  """;
            var touched = Owner is var (column, collection)
                ? $"""
                   , touched as (
                       update {collection} set version = version
                       where id in (select {column} from written) and change_txid <> pg_current_xact_id()
                   )
                   """
                : "";
            return $"""
                with written as (
                    insert into {Name} ({columns})
                    select {columns} from {Staging}
                    {conflict}
                    returning {Owner?.Column ?? "1"}
                ){touched} select count(*)::int from written
                """;
        }
    }
}
