using System.Diagnostics;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// The read, create, replace and delete of one record of a collection, written once; the collection gives its SQL,
/// which stays beside its handlers. Each write is one transaction: the record's row is locked and read as the API
/// shows it (its ETag), If-Match is checked, the record's statement runs, then its links (replaced whole), the
/// record is read again, the audit trail and the Idempotency-Key's answer are written, and all commit together.
/// Writes answer the record's new ETag. The whole unit of work is retried on a serialisation failure or a deadlock
/// (<see cref="ConflictRetry"/>). Requests arrive validated (<see cref="RequestValidation"/>).
/// See docs/decisions/0025-safe-writes.md.
/// </summary>
/// <param name="collection">The collection: its path under /v1, its table and its noun in messages.</param>
/// <param name="insertSql">Inserts the record with @Id unless the id is taken, and returns the id (no row when taken).</param>
/// <param name="updateSql">Updates the record with @Id and returns a value of it (no row when there is no such record).</param>
/// <param name="linksSql">Replaces the record's links with @Id, or null when it has none.</param>
/// <param name="deleteSql">Deletes the record with @id (leaving its tombstone) and returns its id (no row when there is none).</param>
/// <param name="read">Reads the record as the API returns it, on the connection given (in its transaction, if any).</param>
/// <param name="isPerson">Whether a record is a person's: deleting it redacts its fields in the audit trail.</param>
public sealed class Writes<TResponse>(
    Collection collection, string insertSql, string updateSql, string? linksSql, string deleteSql,
    Func<NpgsqlConnection, string, CancellationToken, Task<TResponse?>> read, Func<TResponse, bool>? isPerson = null) where TResponse : class
{
    private readonly string noun = collection.Noun;

    // The write's row lock: concurrent writes of one record take turns, each seeing the previous one's result.
    private readonly string lockSql = $"select true from {collection.Name} where id = @id for update";

    /// <summary>The record <paramref name="id"/> as the API returns it: 404 when there is none.</summary>
    public async Task<Results<Ok<TResponse>, NotFoundProblem>> GetAsync(HttpContext context, NpgsqlDataSource db, string id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await read(connection, id, ct) is { } record ? TypedResults.Ok(record) : Problems.NoRecord(context, noun, id);
    }

    /// <summary>A unique constraint besides the id, and the 409 that says who holds the value.</summary>
    public sealed record Unique(string Constraint, Func<Task<ConflictProblem>> Taken);

    // What a committed write answers: the record and its JSON (for its ETag), or the refusal that rolled it back.
    private sealed record Outcome(IResult? Refused, TResponse? Record = null, byte[]? Body = null, string? Id = null);

    /// <summary>
    /// Creates the record with the id requested, or else with the first free id from <paramref name="generate"/>:
    /// 409 (with existingId) when the requested id is taken, or when its Idempotency-Key is in use.
    /// </summary>
    /// <param name="parameters">The SQL parameters for a candidate id.</param>
    /// <param name="takenDetail">The 409's detail, when the default one does not fit.</param>
    public async Task<Results<Created<TResponse>, ValidationProblem, ConflictProblem>> CreateAsync(
        HttpContext context, NpgsqlDataSource db, string? requestedId, Func<string> generate, Func<string, object> parameters,
        CancellationToken ct, string? takenDetail = null, Unique? unique = null)
    {
        Outcome outcome;
        var idempotency = Idempotency.Of(context);
        try
        {
            outcome = await ConflictRetry.RunAsync(async () =>
            {
                await using var connection = await db.OpenConnectionAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                if (idempotency is not null && !await Idempotency.ClaimAsync(connection, idempotency, ct)) return new Outcome(Idempotency.InUse(context));
                var id = await Ids.ClaimAsync(requestedId, generate, candidate =>
                    connection.ExecuteScalarAsync<string?>(new CommandDefinition(insertSql, parameters(candidate), transaction, cancellationToken: ct)));
                if (id is null)
                {
                    var article = "aeiou".Contains(noun[0]) ? "An" : "A";
                    return new Outcome(Problems.Conflict(context, takenDetail ?? $"{article} {noun} with the id '{requestedId}' already exists.",
                        new Dictionary<string, object?> { ["existingId"] = requestedId }));
                }
                if (linksSql is not null) await connection.ExecuteAsync(new CommandDefinition(linksSql, parameters(id), transaction, cancellationToken: ct));
                var created = (await ReadWrittenAsync(connection, id, ct))!;
                var body = RecordETags.Serialize(context, created);
                await AuditTrail.RecordAsync(connection, context, "create", collection.Name, id, null, body, ct);
                if (idempotency is not null) await Idempotency.CompleteAsync(connection, idempotency, StatusCodes.Status201Created, Location(id), body, ct);
                await transaction.CommitAsync(ct);
                return new Outcome(null, created, body, id);
            }, ct);
        }
        catch (PostgresException e) when (IsTaken(e, unique))
        {
            return await unique!.Taken();
        }
        if (outcome.Refused is ConflictProblem refused) return refused;
        context.Response.Headers.ETag = RecordETags.Of(outcome.Body!);
        return TypedResults.Created(Location(outcome.Id!), outcome.Record!);
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
    /// another id (<paramref name="bodyId"/>, since an id never changes), 404 when there is no such record, 412 when
    /// If-Match does not hold.
    /// </summary>
    public async Task<Results<Ok<TResponse>, ValidationProblem, NotFoundProblem, PreconditionFailedProblem>> ReplaceAsync<TWrite>(
        HttpContext context, NpgsqlDataSource db, string id, string? bodyId, TWrite write, CancellationToken ct,
        Func<string, ValidationProblem?>? check = null) where TWrite : IRecordWrite<TWrite> =>
        Ids.CheckUnchanged(context, bodyId, id) is { } changed ? changed : await ReplaceAsync(context, db, id, write.WithId(id), ct, check);

    /// <summary>As the other overload, for a collection with a unique constraint besides the id: 409 when its value is taken.</summary>
    public async Task<Results<Ok<TResponse>, ValidationProblem, NotFoundProblem, ConflictProblem, PreconditionFailedProblem>> ReplaceAsync<TWrite>(
        HttpContext context, NpgsqlDataSource db, string id, string? bodyId, TWrite write, CancellationToken ct,
        Func<string, ValidationProblem?>? check, Unique? unique) where TWrite : IRecordWrite<TWrite> =>
        Ids.CheckUnchanged(context, bodyId, id) is { } changed ? changed : await ReplaceAsync(context, db, id, write.WithId(id), ct, check, unique);

    /// <summary>
    /// Replaces the record <paramref name="id"/>: 404 when there is none, 412 when If-Match does not hold.
    /// <paramref name="check"/> sees the value the update returned and may refuse the write (400), which is then rolled back.
    /// </summary>
    public async Task<Results<Ok<TResponse>, ValidationProblem, NotFoundProblem, PreconditionFailedProblem>> ReplaceAsync(
        HttpContext context, NpgsqlDataSource db, string id, object parameters, CancellationToken ct, Func<string, ValidationProblem?>? check = null) =>
        (await ReplaceAsync(context, db, id, parameters, ct, check, unique: null)).Result switch
        {
            Ok<TResponse> replaced => replaced,
            ValidationProblem invalid => invalid,
            NotFoundProblem missing => missing,
            PreconditionFailedProblem stale => stale,
            var other => throw new UnreachableException($"A replace without a unique constraint returned {other.GetType().Name}."),
        };

    /// <summary>As the other overload, for a collection with a unique constraint besides the id: 409 when its value is taken.</summary>
    public async Task<Results<Ok<TResponse>, ValidationProblem, NotFoundProblem, ConflictProblem, PreconditionFailedProblem>> ReplaceAsync(
        HttpContext context, NpgsqlDataSource db, string id, object parameters, CancellationToken ct, Func<string, ValidationProblem?>? check, Unique? unique)
    {
        Outcome outcome;
        try
        {
            outcome = await ConflictRetry.RunAsync(async () =>
            {
                await using var connection = await db.OpenConnectionAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                var (_, before, refused) = await LockAsync(context, connection, id, ct);
                if (refused is not null) return new Outcome(refused);
                var updated = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(updateSql, parameters, transaction, cancellationToken: ct));
                if (updated is null) return new Outcome(Problems.NoRecord(context, noun, id));
                if (check?.Invoke(updated) is { } invalid) return new Outcome(invalid);
                if (linksSql is not null) await connection.ExecuteAsync(new CommandDefinition(linksSql, parameters, transaction, cancellationToken: ct));
                var replaced = (await ReadWrittenAsync(connection, id, ct))!;
                var body = RecordETags.Serialize(context, replaced);
                await AuditTrail.RecordAsync(connection, context, "replace", collection.Name, id, before, body, ct);
                await transaction.CommitAsync(ct);
                return new Outcome(null, replaced, body);
            }, ct);
        }
        catch (PostgresException e) when (IsTaken(e, unique))
        {
            return await unique!.Taken();
        }
        switch (outcome.Refused)
        {
            case PreconditionFailedProblem stale: return stale;
            case NotFoundProblem missing: return missing;
            case ValidationProblem invalid: return invalid;
        }
        context.Response.Headers.ETag = RecordETags.Of(outcome.Body!);
        return TypedResults.Ok(outcome.Record!);
    }

    /// <summary>Deletes the record <paramref name="id"/> of a collection no other record refers to: 404 when there is none, 412 when If-Match does not hold.</summary>
    public async Task<Results<NoContent, NotFoundProblem, PreconditionFailedProblem>> DeleteAsync(HttpContext context, NpgsqlDataSource db, string id, CancellationToken ct) =>
        (await DeleteAsync(context, db, id, ct, listReferences: false)).Result switch
        {
            NoContent deleted => deleted,
            NotFoundProblem missing => missing,
            PreconditionFailedProblem stale => stale,
            var other => throw new UnreachableException($"A delete without references returned {other.GetType().Name}."),
        };

    /// <summary>Deletes the record <paramref name="id"/>, or 409 listing the records that refer to it; 404 when there is none, 412 when If-Match does not hold.</summary>
    public Task<Results<NoContent, NotFoundProblem, ConflictProblem, PreconditionFailedProblem>> DeleteUnlessReferencedAsync(
        HttpContext context, NpgsqlDataSource db, string id, CancellationToken ct) => DeleteAsync(context, db, id, ct, listReferences: true);

    // Without listReferences, a foreign key's refusal is left to the exception handler (a concurrent change, 409).
    private async Task<Results<NoContent, NotFoundProblem, ConflictProblem, PreconditionFailedProblem>> DeleteAsync(
        HttpContext context, NpgsqlDataSource db, string id, CancellationToken ct, bool listReferences)
    {
        var refusal = await ConflictRetry.RunAsync<IResult?>(async () =>
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var (record, before, refused) = await LockAsync(context, connection, id, ct);
            if (refused is not null) return refused;
            try
            {
                await connection.ExecuteScalarAsync<string?>(new CommandDefinition(deleteSql, new { id }, transaction, cancellationToken: ct));
            }
            catch (PostgresException e) when (listReferences && e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
            {
                await transaction.RollbackAsync(ct);
                return await References.ReferencedAsync(context, connection, collection.Name, id, ct);
            }
            await AuditTrail.RecordAsync(connection, context, "delete", collection.Name, id, before, null, ct);
            if (isPerson is not null && isPerson(record!)) await AuditTrail.RedactPersonAsync(connection, id, ct);
            await transaction.CommitAsync(ct);
            return null;
        }, ct);
        return refusal switch
        {
            null => TypedResults.NoContent(),
            PreconditionFailedProblem stale => stale,
            NotFoundProblem missing => missing,
            ConflictProblem referenced => referenced,
            var other => throw new UnreachableException($"A delete was refused with {other.GetType().Name}."),
        };
    }

    /// <summary>
    /// Locks the record's row and reads it as the API shows it: its JSON, or the 412 (with the current ETag) when
    /// If-Match does not hold, or the 404 when there is no record and no If-Match.
    /// </summary>
    private async Task<(TResponse? Record, byte[]? Before, IResult? Refused)> LockAsync(HttpContext context, NpgsqlConnection connection, string id, CancellationToken ct)
    {
        var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(lockSql, new { id }, cancellationToken: ct));
        var record = exists ? await read(connection, id, ct) : null;
        var before = record is null ? null : RecordETags.Serialize(context, record);
        var current = before is null ? null : RecordETags.Of(before);
        var ifMatch = context.Request.Headers.IfMatch;
        if (ifMatch.Count > 0 && !RecordETags.IfMatchHolds(ifMatch, current))
        {
            if (current is not null) context.Response.Headers.ETag = current;
            return (record, before, new PreconditionFailedProblem(Problems.Create(context, StatusCodes.Status412PreconditionFailed, "Precondition Failed",
                current is null
                    ? $"No {noun} has the id '{id}', so If-Match cannot hold."
                    : $"The {noun} '{id}' has changed since the ETag given in If-Match: read it again (its current ETag is in the ETag header), then retry.")));
        }
        return (record, before, before is null ? Problems.NoRecord(context, noun, id) : null);
    }

    // What the transaction defers to its commit (the territory links, the data version) runs now, in the order the
    // commit would run it: the record read back is the one its GET will show, and so is its ETag.
    private const string RunDeferred = "set constraints all immediate";

    private async Task<TResponse?> ReadWrittenAsync(NpgsqlConnection connection, string id, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(RunDeferred, cancellationToken: ct));
        return await read(connection, id, ct);
    }

    private string Location(string id) => $"/v1/{collection.Name}/{id}";

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
