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
/// Writes answer the record's new ETag. Requests arrive validated (<see cref="RequestValidation"/>).
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
        try
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var idempotency = Idempotency.Of(context);
            if (idempotency is not null && !await Idempotency.ClaimAsync(connection, idempotency, ct)) return Idempotency.InUse(context);
            var id = await Ids.ClaimAsync(requestedId, generate, candidate =>
                connection.ExecuteScalarAsync<string?>(new CommandDefinition(insertSql, parameters(candidate), transaction, cancellationToken: ct)));
            if (id is null)
            {
                var article = "aeiou".Contains(noun[0]) ? "An" : "A";
                return Problems.Conflict(context, takenDetail ?? $"{article} {noun} with the id '{requestedId}' already exists.",
                    new Dictionary<string, object?> { ["existingId"] = requestedId });
            }
            if (linksSql is not null) await connection.ExecuteAsync(new CommandDefinition(linksSql, parameters(id), transaction, cancellationToken: ct));
            var created = (await read(connection, id, ct))!;
            var body = RecordETags.Serialize(context, created);
            var location = $"/v1/{collection.Name}/{id}";
            await AuditTrail.RecordAsync(connection, context, "create", collection.Name, id, null, body, ct);
            if (idempotency is not null) await Idempotency.CompleteAsync(connection, idempotency, StatusCodes.Status201Created, location, body, ct);
            await transaction.CommitAsync(ct);
            context.Response.Headers.ETag = RecordETags.Of(body);
            return TypedResults.Created(location, created);
        }
        catch (PostgresException e) when (IsTaken(e, unique))
        {
            return await unique!.Taken();
        }
    }

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
        try
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var (_, before, refused) = await LockAsync(context, connection, id, ct);
            if (refused is PreconditionFailedProblem stale) return stale;
            if (refused is NotFoundProblem missing) return missing;
            var updated = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(updateSql, parameters, transaction, cancellationToken: ct));
            if (updated is null) return Problems.NoRecord(context, noun, id);
            if (check?.Invoke(updated) is { } invalid) return invalid;
            if (linksSql is not null) await connection.ExecuteAsync(new CommandDefinition(linksSql, parameters, transaction, cancellationToken: ct));
            var replaced = (await read(connection, id, ct))!;
            var body = RecordETags.Serialize(context, replaced);
            await AuditTrail.RecordAsync(connection, context, "replace", collection.Name, id, before, body, ct);
            await transaction.CommitAsync(ct);
            context.Response.Headers.ETag = RecordETags.Of(body);
            return TypedResults.Ok(replaced);
        }
        catch (PostgresException e) when (IsTaken(e, unique))
        {
            return await unique!.Taken();
        }
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
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var (record, before, refused) = await LockAsync(context, connection, id, ct);
        if (refused is PreconditionFailedProblem stale) return stale;
        if (refused is NotFoundProblem missing) return missing;
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
        return TypedResults.NoContent();
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

    private static bool IsTaken(PostgresException e, Unique? unique) =>
        unique is not null && e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == unique.Constraint;
}
