using System.Reflection;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Changes;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Status;

public static class StatusApi
{
    private static readonly string ApiVersion =
        typeof(StatusApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/status", GetStatus).WithTags("Status").RejectUnknownQueryParameters()
            .WithName("getStatus").WithSummary("Get the status of the data")
            .WithDescription("The date of the data of each source of the territory lists and perimeters (null when the source gives none), the number of " +
                "records of each collection, the current data version and change feed position (a since token for /v1/changes), and the versions of the API " +
                "and of its contract. Read in one snapshot; cached with the other reads.")
            .WithResponseExample(200, StatusExamples.Status)
            // Everything it says follows the data version, except the feed position, which a cached answer gives a
            // little older: a client then reads a few changes again, harmlessly.
            .CacheableRead();
        return app;
    }

    // One statement, one snapshot: the counts, the version and the feed position agree. The feed serves the changes
    // of transactions below the snapshot's xmin; just below (xmin, 0) it resumes at the first one this read may lack.
    private const string SelectStatus = """
        select s.id, s.title, s.vintage, array_agg(distinct t.phase order by t.phase) as phases
        from sources s join territory_sources x on x.source_id = s.id join territories t on t.id = x.territory_id
        group by s.id, s.title, s.vintage
        order by s.id;

        {collections};

        select d.version, d.changed_at, pg_snapshot_xmin(pg_current_snapshot())::text as xmin from data_version d;
        """;

    // A collection's table is named as the collection.
    private const string CountOfCollection = "select '{collection}' as collection, count(*) as count from {collection}";

    public static async Task<Ok<StatusResponse>> GetStatus(HttpContext context, NpgsqlDataSource db, CollectionRegistry collections, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            collections.Compose(SelectStatus, CountOfCollection), transaction: transaction, cancellationToken: ct));
        var sources = (await results.ReadAsync<SourceRow>()).Select(s => new DataSourceVintage(s.Id, s.Title, s.Phases, s.Vintage)).ToList();
        var counts = (await results.ReadAsync<(string Collection, long Count)>()).ToDictionary(c => c.Collection, c => c.Count);
        var (version, changedAt, xmin) = await results.ReadSingleAsync<(long, DateTime, string)>();
        var since = new FeedPosition((ulong.Parse(xmin, System.Globalization.CultureInfo.InvariantCulture) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), long.MaxValue);
        return TypedResults.Ok(new StatusResponse(sources, [.. collections.All.Select(c => new CollectionCount(c.Name, counts[c.Name]))],
            version, DateTime.SpecifyKind(changedAt, DateTimeKind.Utc), since.Encode(context.RequestServices.GetRequiredService<CursorKeys>()), ApiVersion, OpenApi.ContractVersion));
    }

    private sealed class SourceRow
    {
        public string Id { get; init; } = "";
        public string? Title { get; init; }
        public DateOnly? Vintage { get; init; }
        public string[] Phases { get; init; } = [];
    }
}
