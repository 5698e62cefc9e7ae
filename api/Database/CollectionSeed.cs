using Dapper;
using Npgsql;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Database;

/// <summary>
/// What a collection loads from seeds/: the tables it writes and how its files become their rows. Declared in
/// the collection's folder and reached from its <see cref="Collection.Seed"/>.
/// </summary>
/// <param name="Tables">Its own table first, then the links and rows its records own.</param>
/// <param name="Read">Reads its files into rows of <paramref name="Tables"/>, with <see cref="SeedRow.Add"/>.</param>
public sealed record CollectionSeed(IReadOnlyList<SeedTable> Tables, Action<SeedSet> Read);

/// <summary>
/// The rows of every seeded collection, read from seeds/ and checked before anything is written: an id that
/// appears twice, or one that no seeded record (or territory) has, stops the loading naming its file instead of
/// failing a foreign key. Written in the seeding transaction, after the territories, with the same pattern: COPY
/// into temporary tables, then upserts that only rewrite a row when a value differs. Links are added, never removed.
/// </summary>
public sealed class SeedSet
{
    private readonly string _directory;
    private readonly List<SeedTable> _tables = [];
    private readonly Dictionary<SeedTable, List<(string File, object?[] Values)>> _rows = [];
    private readonly Dictionary<string, HashSet<string>> _ids = new(StringComparer.Ordinal);

    private SeedSet(string directory, IReadOnlyList<Seeder.SeedTerritory> territories)
    {
        _directory = directory;
        Territories = territories;
        _ids["territories"] = territories.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The territories of both phases, as read from seeds/territories.</summary>
    public IReadOnlyList<Seeder.SeedTerritory> Territories { get; }

    /// <summary>Reads the seeds of the registered collections and checks that every id they refer to exists in them.</summary>
    public static SeedSet ReadAll(CollectionRegistry collections, string directory, IReadOnlyList<Seeder.SeedTerritory> territories)
    {
        var seeds = new SeedSet(directory, territories);
        foreach (var seed in collections.All.Select(c => c.Seed).OfType<CollectionSeed>())
        {
            seeds._tables.AddRange(seed.Tables);
            foreach (var table in seed.Tables) seeds._rows[table] = [];
            foreach (var table in seed.Tables.Where(t => t.Owner is null)) seeds._ids[table.Name] = new HashSet<string>(StringComparer.Ordinal);
            seed.Read(seeds);
        }
        seeds.CheckReferences();
        return seeds;
    }

    /// <summary>The ids of a collection's seeded records (or of the territories).</summary>
    public IReadOnlyCollection<string> Ids(string collection) => _ids.GetValueOrDefault(collection) ?? [];

    /// <summary>The rows of a file of seeds/, e.g. <c>Read("knowledge", "actors.csv")</c>.</summary>
    public IEnumerable<SeedRow> Read(params string[] path) =>
        Csv.Read(Path.Combine([_directory, .. path])).Select(fields => new SeedRow(this, string.Join('/', path), fields));

    /// <summary>The territory of this programme code: facts about a studied territory belong to its 2018-2022 record.</summary>
    public static string Territory(string code) => Seeder.TerritoryId(Seeder.Phase1, code);

    /// <summary>The territories of a list field of programme codes.</summary>
    public static IEnumerable<string> TerritoriesOf(string codes) => Csv.List(codes).Select(Territory);

    internal void Add(SeedTable table, string file, object?[] values)
    {
        if (!_rows.TryGetValue(table, out var rows)) throw new InvalidOperationException($"{table.Name} is not one of the tables its seed declares.");
        if (values.Length != table.Columns.Length) throw new InvalidOperationException($"A row of {table.Name} needs {table.Columns.Length} values.");
        if (table.Owner is null)
        {
            var id = (string)values[0]!;
            if (!_ids[table.Name].Add(id)) throw new InvalidDataException($"{table.Name}: the id '{id}' appears twice.");
        }
        rows.Add((file, values));
    }

    private void CheckReferences()
    {
        var unknown = from table in _tables
                      from reference in table.References
                      let index = Array.IndexOf(table.Columns, reference.Key)
                      from row in _rows[table]
                      let id = (string?)row.Values[index]
                      where id is not null && !Ids(reference.Value).Contains(id)
                      group id by (row.File, Collection: reference.Value);
        if (unknown.FirstOrDefault() is { } first)
        {
            throw new InvalidDataException($"{first.Key.File}: unknown ids of {first.Key.Collection}: {string.Join(", ", first.Distinct())}.");
        }
    }

    /// <summary>
    /// Writes every table: the collections' own tables first, then the rows their records own (which refer to
    /// records of any collection), each in the order of <see cref="Collection.Position"/>. The foreign keys between
    /// the collections' own tables follow that order: a record may refer to a collection of a lower position only
    /// (a session's partner is an actor; the territories, first, are written before all of them).
    /// </summary>
    public async Task<string> WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        var written = 0;
        foreach (var table in _tables.OrderBy(t => t.Owner is null ? 0 : 1))
        {
            await connection.ExecuteAsync(new CommandDefinition(table.CreateStaging, transaction: transaction, cancellationToken: ct));
            await Seeder.CopyAsync(connection, table.Copy, _rows[table], async (w, row) =>
            {
                foreach (var value in row.Values)
                {
                    if (value is null) await w.WriteNullAsync(ct);
                    else await w.WriteAsync(value, ct);
                }
            }, ct);
            written += await connection.ExecuteScalarAsync<int>(new CommandDefinition(table.Upsert, transaction: transaction, cancellationToken: ct));
        }
        var records = _tables.Where(t => t.Owner is null).Select(t => $"{_rows[t].Count} {t.Name}");
        return $"{string.Join(", ", records)} ({written} rows written)";
    }
}

/// <summary>A row of a seed file: its fields by header, and the file it comes from, which a mistake names.</summary>
public sealed class SeedRow(SeedSet seeds, string file, IReadOnlyDictionary<string, string> fields)
{
    public string this[string field] => fields[field];

    /// <summary>Adds a row to one of the seed's tables, its values in the order of the table's columns.</summary>
    public void Add(SeedTable table, params object?[] values) => seeds.Add(table, file, values);

    /// <summary>Adds a link from <paramref name="owner"/> to each of <paramref name="targets"/>.</summary>
    public void Link(SeedTable table, string owner, IEnumerable<string> targets)
    {
        foreach (var target in targets) Add(table, owner, target);
    }
}
