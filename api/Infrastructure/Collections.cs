using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// A collection of the API, declared once beside its handlers and registered by its MapXxxApi. The shared
/// features (change feed, search, references and 409s, OpenAPI tags and enums, Last-Modified) read it from
/// the <see cref="CollectionRegistry"/>. See docs/decisions/0016-collection-registry.md.
/// </summary>
/// <param name="Position">Its place in the document's tags and collection enums, which clients may show in that order.</param>
/// <param name="Name">As in its URLs (/v1/territories); also the name of its table and of its tombstones' entity.</param>
/// <param name="Noun">One of its records, in messages: "territory".</param>
/// <param name="Tag">Its OpenAPI tag.</param>
/// <param name="TagDescription">What the tag holds, in the document.</param>
/// <param name="Search">How its records read as hits of /v1/search.</param>
/// <param name="Records">How one of its records reads as its item GET answers it, for the snapshot dumps.</param>
/// <param name="Seed">What it loads from seeds/, if anything (the territories are loaded by the <see cref="Seeder"/> itself).</param>
public sealed record Collection(
    int Position, string Name, string Noun, string Tag, string TagDescription, SearchProjection Search, RecordReader Records, CollectionSeed? Seed = null);

/// <summary>
/// The read of one record as its item GET answers it (the function its <c>Writes</c> reads with), on a connection
/// given, so that every record of a dump is read in the dump's one snapshot.
/// </summary>
public sealed class RecordReader
{
    private readonly Func<NpgsqlConnection, string, CancellationToken, Task<object?>> _read;

    private RecordReader(Type type, Func<NpgsqlConnection, string, CancellationToken, Task<object?>> read) => (Type, _read) = (type, read);

    /// <summary>The response type, which the record is serialised as (the same bytes as its GET body).</summary>
    public Type Type { get; }

    public static RecordReader Of<T>(Func<NpgsqlConnection, string, CancellationToken, Task<T?>> read) where T : class =>
        new(typeof(T), async (connection, id, ct) => await read(connection, id, ct));

    public Task<object?> ReadAsync(NpgsqlConnection connection, string id, CancellationToken ct) => _read(connection, id, ct);
}

/// <summary>
/// A hit's title, the text its snippet is cut from, and its rank: SQL expressions over the collection's row
/// (aliased <c>c</c>, with its <c>search</c> vector) and the query <c>q.query</c>.
/// </summary>
public sealed record SearchProjection(string Title, string Snippet, string Rank = "ts_rank(c.search, q.query)");

/// <summary>
/// The collections, by <see cref="Collection.Position"/>: the order of the document's tags and collection enums
/// (not the order of Program.cs, which orders the document's paths). Registration ends when the first query is
/// composed from them.
/// </summary>
public sealed class CollectionRegistry
{
    private readonly List<Collection> _all = [];
    private readonly ConcurrentDictionary<(string, string), string> _composed = new();
    private volatile bool _closed;

    public IReadOnlyList<Collection> All => _all;

    public IReadOnlyList<string> Names => [.. _all.Select(c => c.Name)];

    public void Add(Collection collection)
    {
        if (_closed) throw new InvalidOperationException($"The collection '{collection.Name}' is registered after queries were composed from the registry: map it before the first request.");
        if (_all.Any(c => c.Name == collection.Name)) throw new InvalidOperationException($"The collection '{collection.Name}' is registered twice.");
        if (_all.Any(c => c.Position == collection.Position)) throw new InvalidOperationException($"Two collections have the position {collection.Position}.");
        _all.Add(collection);
        _all.Sort((a, b) => a.Position.CompareTo(b.Position));
    }

    public bool Contains(string name) => _all.Any(c => c.Name == name);

    /// <summary>The registered collection of this name; anything else is a programming error.</summary>
    public Collection this[string name] =>
        _all.FirstOrDefault(c => c.Name == name) ?? throw new ArgumentOutOfRangeException(nameof(name), name, "No collection of this name is registered.");

    /// <summary>
    /// <paramref name="query"/> with <c>{collections}</c> replaced by <paramref name="perCollection"/> written
    /// for each collection (its <c>{collection}</c>, <c>{title}</c>, <c>{snippet}</c>, <c>{rank}</c> filled in),
    /// joined by <paramref name="separator"/>. Composed once per query and kept.
    /// </summary>
    public string Compose(string query, string perCollection, string separator = "\n    union all ") =>
        _composed.GetOrAdd((query, perCollection), _ =>
        {
            _closed = true;
            var lines = _all.Select(c => perCollection
                .Replace("{collection}", c.Name, StringComparison.Ordinal)
                .Replace("{title}", c.Search.Title, StringComparison.Ordinal)
                .Replace("{snippet}", c.Search.Snippet, StringComparison.Ordinal)
                .Replace("{rank}", c.Search.Rank, StringComparison.Ordinal));
            return query.Replace("{collections}", string.Join(separator, lines), StringComparison.Ordinal);
        });
}

public static class CollectionRegistration
{
    public static IServiceCollection AddObservatoireCollections(this IServiceCollection services)
    {
        services.TryAddSingleton<CollectionRegistry>();
        return services;
    }

    /// <summary>Registers the collection whose routes are being mapped, for the features every collection shares.</summary>
    public static IEndpointRouteBuilder AddCollection(this IEndpointRouteBuilder app, Collection collection)
    {
        app.ServiceProvider.GetRequiredService<CollectionRegistry>().Add(collection);
        return app;
    }
}
