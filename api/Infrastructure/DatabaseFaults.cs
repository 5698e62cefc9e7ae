using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Which database failures are the database being unavailable for a while (answered 503 with Retry-After, never
/// 500), and which are a conflict worth retrying the whole transaction for. See docs/decisions/0023.
/// </summary>
public static class DatabaseFaults
{
    /// <summary>The SQLSTATEs of a server that is there but cannot serve now, with the delay a client should wait.</summary>
    private static int? RetryAfter(string sqlState) => sqlState switch
    {
        PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected => 1,
        PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.QueryCanceled => 1, // lock_timeout, statement_timeout
        PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow => 5,
        PostgresErrorCodes.TooManyConnections => 2,
        PostgresErrorCodes.DiskFull or PostgresErrorCodes.ReadOnlySqlTransaction => 30,
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) => 5, // connection exception
        _ when sqlState.StartsWith("53", StringComparison.Ordinal) => 5, // insufficient resources
        _ when sqlState.StartsWith("58", StringComparison.Ordinal) => 5, // system error (I/O)
        _ => null,
    };

    /// <summary>
    /// Seconds to put in Retry-After when <paramref name="exception"/> (or one it wraps) is the database being
    /// unavailable: unreachable, restarting or shutting down, out of connections (server or pool), over a time budget,
    /// in conflict after the retries, full or read-only. Null for anything else (a bug, a bad request).
    /// </summary>
    public static int? RetryAfterSeconds(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException postgres:
                    return RetryAfter(postgres.SqlState);
                // Not an error the server sent: the connection failed, broke, timed out, or the pool stayed full.
                case NpgsqlException:
                    return 2;
            }
        }
        return null;
    }

    /// <summary>
    /// Whether the connection itself is gone (server down, restarted, backend terminated): the pool's idle
    /// connections are then likely dead too and are better dropped than tried one failed request at a time.
    /// </summary>
    public static bool BrokeConnection(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException postgres)
            {
                return postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
                    || postgres.SqlState.StartsWith("08", StringComparison.Ordinal);
            }
            // A full pool (a timeout while waiting) says nothing about the connections in it.
            if (e is NpgsqlException) return e.InnerException is not TimeoutException;
        }
        return false;
    }

    /// <summary>A serialisation failure or a deadlock: the whole transaction may run again and succeed.</summary>
    public static bool IsRetryableConflict(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected };
}
