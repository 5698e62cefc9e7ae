using System.Diagnostics;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// The read, create, replace and delete of one record of a collection, written once; the collection gives its SQL,
/// which stays beside its handlers. Each write is one transaction: the record's statement, then its links (replaced
/// whole), then the commit; the record is read back afterwards. Requests arrive validated (<see cref="RequestValidation"/>).
/// </summary>
/// <param name="collection">The collection: its path under /v1 and its noun in messages.</param>
/// <param name="insertSql">Inserts the record with @Id unless the id is taken, and returns the id (no row when taken).</param>
/// <param name="updateSql">Updates the record with @Id and returns a value of it (no row when there is no such record).</param>
/// <param name="linksSql">Replaces the record's links with @Id, or null when it has none.</param>
/// <param name="deleteSql">Deletes the record with @id (leaving its tombstone) and returns its id (no row when there is none).</param>
/// <param name="read">Reads the record as the API returns it.</param>
public sealed class Writes<TResponse>(
    Collection collection, string insertSql, string updateSql, string? linksSql, string deleteSql,
    Func<NpgsqlDataSource, string, CancellationToken, Task<TResponse?>> read) where TResponse : class
{
    private readonly string noun = collection.Noun;

    /// <summary>The record <paramref name="id"/> as the API returns it: 404 when there is none.</summary>
    public async Task<Results<Ok<TResponse>, NotFoundProblem>> GetAsync(HttpContext context, NpgsqlDataSource db, string id, CancellationToken ct) =>
        await read(db, id, ct) is { } record ? TypedResults.Ok(record) : Problems.NoRecord(context, noun, id);

    /// <summary>Deletes the record <paramref name="id"/> of a collection no other record refers to: 404 when there is none.</summary>
    public Task<Results<NoContent, NotFoundProblem>> DeleteAsync(HttpContext context, NpgsqlDataSource db, string id, CancellationToken ct) =>
        References.DeleteAsync(context, db, collection.Name, id, deleteSql, ct);

    /// <summary>Deletes the record <paramref name="id"/>, or 409 listing the records that refer to it; 404 when there is none.</summary>
    public Task<Results<NoContent, NotFoundProblem, ConflictProblem>> DeleteUnlessReferencedAsync(
        HttpContext context, NpgsqlDataSource db, string id, CancellationToken ct) =>
        References.DeleteUnlessReferencedAsync(context, db, collection.Name, id, deleteSql, ct);

    /// <summary>A unique constraint besides the id, and the 409 that says who holds the value.</summary>
    public sealed record Unique(string Constraint, Func<Task<ConflictProblem>> Taken);

    /// <summary>
    /// Creates the record with the id requested, or else with the first free id from <paramref name="generate"/>:
    /// 409 (with existingId) when the requested id is taken.
    /// </summary>
    /// <param name="parameters">The SQL parameters for a candidate id.</param>
    /// <param name="takenDetail">The 409's detail, when the default one does not fit.</param>
    public async Task<Results<Created<TResponse>, ValidationProblem, ConflictProblem>> CreateAsync(
        HttpContext context, NpgsqlDataSource db, string? requestedId, Func<string> generate, Func<string, object> parameters,
        CancellationToken ct, string? takenDetail = null, Unique? unique = null)
    {
        string? id;
        try
        {
            id = await ConflictRetry.RunAsync(async () =>
            {
                await using var connection = await db.OpenConnectionAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                var claimed = await Ids.ClaimAsync(requestedId, generate, candidate =>
                    connection.ExecuteScalarAsync<string?>(new CommandDefinition(insertSql, parameters(candidate), transaction, cancellationToken: ct)));
                if (claimed is null) return null;
                if (linksSql is not null) await connection.ExecuteAsync(new CommandDefinition(linksSql, parameters(claimed), transaction, cancellationToken: ct));
                await transaction.CommitAsync(ct);
                return claimed;
            }, ct);
        }
        catch (PostgresException e) when (IsTaken(e, unique))
        {
            return await unique!.Taken();
        }
        if (id is null)
        {
            var article = "aeiou".Contains(noun[0]) ? "An" : "A";
            return Problems.Conflict(context, takenDetail ?? $"{article} {noun} with the id '{requestedId}' already exists.",
                new Dictionary<string, object?> { ["existingId"] = requestedId });
        }

        var created = (await read(db, id, ct))!;
        return TypedResults.Created($"/v1/{collection.Name}/{id}", created);
    }

    /// <summary>
    /// Creates the record <paramref name="write"/> describes, with the id requested or else the first free one from
    /// <paramref name="generate"/>: 409 (with existingId) when the requested id is taken.
    /// </summary>
    public Task<Results<Created<TResponse>, ValidationProblem, ConflictProblem>> CreateAsync<TWrite>(
        HttpContext context, NpgsqlDataSource db, string? requestedId, TWrite write, Func<TWrite, string> generate,
        CancellationToken ct, Unique? unique = null) where TWrite : IRecordWrite<TWrite> =>
        CreateAsync(context, db, requestedId, () => generate(write), id => write.WithId(id), ct, unique: unique);

    /// <summary>
    /// Replaces the record <paramref name="id"/> with what <paramref name="write"/> describes: 400 when the body names
    /// another id (<paramref name="bodyId"/>, since an id never changes), 404 when there is no such record.
    /// </summary>
    public async Task<Results<Ok<TResponse>, ValidationProblem, NotFoundProblem>> ReplaceAsync<TWrite>(
        HttpContext context, NpgsqlDataSource db, string id, string? bodyId, TWrite write, CancellationToken ct,
        Func<string, ValidationProblem?>? check = null) where TWrite : IRecordWrite<TWrite> =>
        Ids.CheckUnchanged(context, bodyId, id) is { } changed ? changed : await ReplaceAsync(context, db, id, write.WithId(id), ct, check);

    /// <summary>As the other overload, for a collection with a unique constraint besides the id: 409 when its value is taken.</summary>
    public async Task<Results<Ok<TResponse>, ValidationProblem, NotFoundProblem, ConflictProblem>> ReplaceAsync<TWrite>(
        HttpContext context, NpgsqlDataSource db, string id, string? bodyId, TWrite write, CancellationToken ct,
        Func<string, ValidationProblem?>? check, Unique? unique) where TWrite : IRecordWrite<TWrite> =>
        Ids.CheckUnchanged(context, bodyId, id) is { } changed ? changed : await ReplaceAsync(context, db, id, write.WithId(id), ct, check, unique);

    /// <summary>
    /// Replaces the record <paramref name="id"/>: 404 when there is none. <paramref name="check"/> sees the value
    /// the update returned and may refuse the write (400), which is then rolled back.
    /// </summary>
    public async Task<Results<Ok<TResponse>, ValidationProblem, NotFoundProblem>> ReplaceAsync(
        HttpContext context, NpgsqlDataSource db, string id, object parameters, CancellationToken ct, Func<string, ValidationProblem?>? check = null) =>
        (await ReplaceAsync(context, db, id, parameters, ct, check, unique: null)).Result switch
        {
            Ok<TResponse> replaced => replaced,
            ValidationProblem invalid => invalid,
            NotFoundProblem missing => missing,
            var other => throw new UnreachableException($"A replace without a unique constraint returned {other.GetType().Name}."),
        };

    /// <summary>As the other overload, for a collection with a unique constraint besides the id: 409 when its value is taken.</summary>
    public async Task<Results<Ok<TResponse>, ValidationProblem, NotFoundProblem, ConflictProblem>> ReplaceAsync(
        HttpContext context, NpgsqlDataSource db, string id, object parameters, CancellationToken ct, Func<string, ValidationProblem?>? check, Unique? unique)
    {
        try
        {
            var refusal = await ConflictRetry.RunAsync<IResult?>(async () =>
            {
                await using var connection = await db.OpenConnectionAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                var updated = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(updateSql, parameters, transaction, cancellationToken: ct));
                if (updated is null) return Problems.NoRecord(context, noun, id);
                if (check?.Invoke(updated) is { } refused) return refused;
                if (linksSql is not null) await connection.ExecuteAsync(new CommandDefinition(linksSql, parameters, transaction, cancellationToken: ct));
                await transaction.CommitAsync(ct);
                return null;
            }, ct);
            switch (refusal)
            {
                case NotFoundProblem missing: return missing;
                case ValidationProblem invalid: return invalid;
            }
        }
        catch (PostgresException e) when (IsTaken(e, unique))
        {
            return await unique!.Taken();
        }

        var replaced = (await read(db, id, ct))!;
        return TypedResults.Ok(replaced);
    }

    private static bool IsTaken(PostgresException e, Unique? unique) =>
        unique is not null && e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == unique.Constraint;
}

/// <summary>
/// Runs a unit of work again from its start when the database aborted it for a serialisation failure or a
/// deadlock, a bounded number of times with a random pause, before the fault answers 503 (docs/decisions/0023).
/// Each attempt opens its own connection and transaction, so nothing of a failed one is kept.
/// </summary>
public static class ConflictRetry
{
    public const int Attempts = 3;

    public static async Task<T> RunAsync<T>(Func<Task<T>> attempt, CancellationToken ct)
    {
        for (var number = 1; ; number++)
        {
            try
            {
                return await attempt();
            }
            catch (PostgresException e) when (number < Attempts && DatabaseFaults.IsRetryableConflict(e))
            {
                // Jitter: two transactions that deadlocked each other should not meet again at once.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 50) * number), ct);
            }
        }
    }
}

/// <summary>
/// A record's write parameters, flattened for SQL. Their @Id is set by the write: the id claimed on create, the path's
/// on replace.
/// </summary>
public interface IRecordWrite<TSelf> where TSelf : IRecordWrite<TSelf>
{
    TSelf WithId(string id);
}
