using System.Diagnostics;
using System.Security.Claims;
using Dapper;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// The audit trail, written by every write in its own transaction (<see cref="Writes{TResponse}"/>): the key that
/// wrote (its id and name, never its secret), the operation, the record before and after as the API shows it,
/// and the request's trace id. Read through GET /v1/audit. See docs/decisions/0025-safe-writes.md.
/// </summary>
public static class AuditTrail
{
    private const string InsertEntry = """
        insert into audit_log (key_id, key_name, operation, collection, record_id, before, after, trace_id)
        values (@keyId, @keyName, @operation, @collection, @id, @before::jsonb, @after::jsonb, @traceId)
        """;

    // Every earlier document showing the person (the person's own rows, and the records that referred to them).
    private const string RedactPerson = """
        update audit_log set before = redact_person(before, @id), after = redact_person(after, @id)
        where strpos(before::text, @needle) > 0 or strpos(after::text, @needle) > 0
        """;

    /// <summary>The writing key: its id and name as the authentication gave them (the id falls back to the name).</summary>
    public static (string? Id, string? Name) KeyOf(HttpContext context)
    {
        var name = context.User.FindFirstValue(ClaimTypes.Name);
        return (context.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? name, name);
    }

    public static string TraceId(HttpContext context) => Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;

    public static Task RecordAsync(NpgsqlConnection connection, HttpContext context, string operation, string collection, string id,
        byte[]? before, byte[]? after, CancellationToken ct)
    {
        var (keyId, keyName) = KeyOf(context);
        return connection.ExecuteAsync(new CommandDefinition(InsertEntry, new
        {
            keyId, keyName, operation, collection, id,
            before = before is null ? null : System.Text.Encoding.UTF8.GetString(before),
            after = after is null ? null : System.Text.Encoding.UTF8.GetString(after),
            traceId = TraceId(context),
        }, cancellationToken: ct));
    }

    /// <summary>Replaces a deleted person's fields by "[redacted]" wherever the audit shows them.</summary>
    public static Task RedactPersonAsync(NpgsqlConnection connection, string id, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(RedactPerson, new { id, needle = $"\"id\": {System.Text.Json.JsonSerializer.Serialize(id)}" }, cancellationToken: ct));
}
