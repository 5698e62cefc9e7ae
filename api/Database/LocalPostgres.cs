using System.Diagnostics;
using System.Security.Cryptography;
using Npgsql;

namespace Observatoire.Api.Database;

/// <summary>
/// A private PostgreSQL cluster started from the binaries installed on the machine, for the
/// zero-configuration local mode and for the test suite. Several processes may use the same cluster:
/// each registers itself, and the last one to stop stops the server. See docs/decisions/0001-local-database.md.
/// </summary>
public sealed partial class LocalPostgres : IAsyncDisposable
{
    private const string SuperUser = "observatoire";
    private const string ServerUser = "postgres";
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(2);
    private static readonly string[] BinarySearchPaths =
    [
        "/usr/lib/postgresql/18/bin", "/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin",
        "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/14/bin", "/usr/lib/postgresql/13/bin",
        "/opt/homebrew/bin", "/usr/local/bin", "/usr/pgsql-17/bin", "/usr/pgsql-16/bin", "/usr/pgsql-15/bin",
    ];

    private readonly string _binDirectory;
    private readonly bool _asPostgresUser;
    private FileStream? _registration;

    private LocalPostgres(string dataDirectory, string binDirectory, bool asPostgresUser)
    {
        DataDirectory = dataDirectory;
        ClusterDirectory = dataDirectory;
        _binDirectory = binDirectory;
        _asPostgresUser = asPostgresUser;
    }

    /// <summary>The configured directory; its password, API key, lock and registrations live beside it.</summary>
    public string DataDirectory { get; }

    /// <summary>
    /// Where the server's files are: <see cref="DataDirectory"/>, or, as root when the postgres user cannot reach
    /// it, a folder in that user's home named by the pointer file beside <see cref="DataDirectory"/>.
    /// </summary>
    public string ClusterDirectory { get; private set; }

    public int Port { get; private set; }
    public string Password { get; private set; } = "";

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SuperUser,
        Password = Password,
        Database = database,
    }.ConnectionString;

    // Unpooled: these few connections must not stay open in the pool of a process that joins and leaves the cluster.
    private string AdminConnectionString => new NpgsqlConnectionStringBuilder(ConnectionString("postgres")) { Pooling = false }.ConnectionString;

    private string StateDirectory => Path.GetDirectoryName(DataDirectory)!;
    private string Beside(string suffix) => Path.Combine(StateDirectory, Path.GetFileName(DataDirectory) + suffix);
    private string PasswordFile => Beside(".password");
    private string PointerFile => Beside(".location");
    private string LockFile => Beside(".lock");
    private string UsersDirectory => Beside(".users");
    private string LogFile => Path.Combine(ClusterDirectory, "server.log");
    private string User => _asPostgresUser ? ServerUser : Environment.UserName;

    /// <summary>The directory holding initdb/pg_ctl, or null when PostgreSQL is not installed.</summary>
    public static string? FindBinaries()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return onPath.Concat(BinarySearchPaths)
            .FirstOrDefault(dir => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")));
    }

    /// <summary>
    /// Starts the cluster of <paramref name="dataDirectory"/>, creating it if needed, or joins it when already
    /// running. Any failure is a <see cref="LocalPostgresException"/> naming the cause and the way out.
    /// </summary>
    public static async Task<LocalPostgres> StartAsync(string dataDirectory, string binDirectory, CancellationToken ct = default)
    {
        var asPostgresUser = !OperatingSystem.IsWindows() && (Environment.UserName == "root" || Environment.IsPrivilegedProcess);
        var cluster = new LocalPostgres(Path.GetFullPath(dataDirectory), binDirectory, asPostgresUser);
        try
        {
            await using var _ = await cluster.LockAsync(ct);
            cluster.Register();
            try
            {
                await cluster.LocateAsync(ct);
                await cluster.InitialiseAsync(ct);
                await cluster.StartOrJoinAsync(ct);
            }
            catch
            {
                cluster.Unregister();
                throw;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NpgsqlException)
        {
            throw cluster.Failure($"the local PostgreSQL cluster for {cluster.DataDirectory} could not be prepared: {e.Message}");
        }
        return cluster;
    }

    /// <summary>Leaves the cluster; the last process to leave stops the server, whoever started it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_registration is null) return;
        try
        {
            if (!Directory.Exists(StateDirectory))
            {
                // Its folder was deleted while running: nobody else can be registered any more.
                _registration.Dispose();
                _registration = null;
                await StopAsync();
                return;
            }
            await using var _ = await LockAsync(CancellationToken.None);
            Unregister();
            if (!OtherUsersRemain()) await StopAsync();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LocalPostgresException)
        {
            Console.Error.WriteLine($"The local PostgreSQL cluster in {ClusterDirectory} may still be running: {e.Message}");
        }
    }

    private async Task InitialiseAsync(CancellationToken ct)
    {
        if (File.Exists(Path.Combine(ClusterDirectory, "PG_VERSION")))
        {
            if (!File.Exists(PasswordFile))
            {
                throw Failure($"the cluster in {ClusterDirectory} exists but its password file {PasswordFile} is missing", ScratchAdvice);
            }
            Password = (await File.ReadAllTextAsync(PasswordFile, ct)).Trim();
            return;
        }

        // Checked before initdb would, because the folder is given to the postgres user first.
        if (Directory.Exists(ClusterDirectory) && Directory.EnumerateFileSystemEntries(ClusterDirectory).Any())
        {
            throw Failure($"{ClusterDirectory} is not empty and holds no PostgreSQL cluster (it has no PG_VERSION)",
                $"{FolderAdvice}; or empty {ClusterDirectory}");
        }
        Directory.CreateDirectory(ClusterDirectory);
        Password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        await WriteSecretAsync(PasswordFile, Password, ct);

        // initdb reads the password from a file the server's OS user can read; it is removed right after.
        var initPasswordFile = Path.Combine(Path.GetDirectoryName(ClusterDirectory)!, $".initdb-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(initPasswordFile, Password, ct);
        try
        {
            if (_asPostgresUser)
            {
                var chown = await ExecAsync("chown", ["-R", $"{ServerUser}:", ClusterDirectory, initPasswordFile], asPostgres: false, ct);
                if (chown.ExitCode != 0) throw Failure($"could not give {ClusterDirectory} to the {ServerUser} user: {chown.Output}", FolderAdvice);
            }
            var initdb = await ExecAsync(Path.Combine(_binDirectory, "initdb"),
                ["-D", ClusterDirectory, "-U", SuperUser, "--pwfile", initPasswordFile, "--auth=scram-sha-256",
                 "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"], _asPostgresUser, ct);
            if (initdb.ExitCode != 0)
            {
                throw Failure($"initdb, run as {User}, could not create the cluster in {ClusterDirectory} (exit {initdb.ExitCode}):\n{Indent(initdb.Stderr)}",
                    $"{FolderAdvice}; or {ScratchAdvice}");
            }
        }
        finally
        {
            File.Delete(initPasswordFile);
        }
    }

    private async Task StartOrJoinAsync(CancellationToken ct, bool keepPort = false)
    {
        if (LivePostmaster(ClusterDirectory) is { } running)
        {
            Port = running.Port;
            await WaitForConnectionsAsync(running.Pid, ct);
            return;
        }

        // The server is not running: a postmaster.pid left by a killed server or a reboot is stale. PostgreSQL
        // itself refuses to start when its PID now belongs to another live process.
        var pidFile = Path.Combine(ClusterDirectory, "postmaster.pid");
        if (File.Exists(pidFile)) File.Delete(pidFile);

        for (var attempt = 1; ; attempt++)
        {
            // A restart keeps the port: the application's connection strings name it.
            if (!keepPort) Port = FreePort();
            var logStart = File.Exists(LogFile) ? new FileInfo(LogFile).Length : 0;
            var start = await ExecAsync(Path.Combine(_binDirectory, "pg_ctl"),
                ["-D", ClusterDirectory, "-l", LogFile, "-w", "-t", "60",
                 "-o", $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=on -c max_connections=100",
                 "start"], _asPostgresUser, ct);
            if (start.ExitCode == 0) return;
            var log = LogSince(logStart);
            // The free port was taken between choosing and binding it: try another.
            if (attempt < 3 && !keepPort && log.Contains("could not bind", StringComparison.Ordinal)) continue;
            throw Failure($"pg_ctl, run as {User}, could not start the cluster in {ClusterDirectory} (exit {start.ExitCode}):\n{Indent(start.Stderr)}" +
                          (log.Length > 0 ? $"\n  {LogFile} says:\n{Indent(log)}" : ""),
                $"if another PostgreSQL server uses this folder, stop it; {ScratchAdvice}; or {FolderAdvice}");
        }
    }

    private async Task WaitForConnectionsAsync(int pid, CancellationToken ct)
    {
        // A server that is still starting (or recovering after a crash) accepts connections a little later.
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString);
                await connection.OpenAsync(ct);
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidPassword)
            {
                throw Failure($"the server running in {ClusterDirectory} (PID {pid}) refuses the password kept in {PasswordFile}", ScratchAdvice);
            }
            catch (NpgsqlException) when (waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(250, ct);
            }
            catch (NpgsqlException e)
            {
                throw Failure($"a server runs in {ClusterDirectory} (PID {pid}) but does not accept connections on 127.0.0.1:{Port}: {e.Message}\n{Indent(LogSince(0, lines: 5))}",
                    $"stop it (kill {pid}) and run again; or {ScratchAdvice}");
            }
        }
    }

    private async Task StopAsync()
    {
        if (LivePostmaster(ClusterDirectory) is not { } running) return;
        NpgsqlConnection.ClearAllPools();
        var stop = await ExecAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", ClusterDirectory, "-m", "fast", "-w", "stop"], _asPostgresUser, CancellationToken.None);
        if (stop.ExitCode != 0 && LivePostmaster(ClusterDirectory) is not null)
        {
            throw new LocalPostgresException($"pg_ctl stop failed (exit {stop.ExitCode}): {stop.Output}");
        }
        // pg_ctl returns once postmaster.pid is gone, a moment before the process ends: wait for it, so that
        // nothing of the cluster is left running when this process exits.
        for (var waited = Stopwatch.StartNew(); IsRunning(running.Pid) && waited.Elapsed < TimeSpan.FromSeconds(10);)
        {
            await Task.Delay(20);
        }
    }

    /// <summary>Creates the database if it does not exist yet.</summary>
    public async Task EnsureDatabaseAsync(string database, string? template = null, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection);
        exists.Parameters.AddWithValue(database);
        if (await exists.ExecuteScalarAsync(ct) is not null) return;
        var quoted = "\"" + database.Replace("\"", "\"\"") + "\"";
        var templateClause = template is null ? "" : $" template \"{template.Replace("\"", "\"\"")}\"";
        await using var create = new NpgsqlCommand($"create database {quoted}{templateClause}", connection);
        await create.ExecuteNonQueryAsync(ct);
    }

    private string LogSince(long offset, int lines = 8)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            var text = new StreamReader(stream).ReadToEnd();
            return string.Join('\n', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(lines));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private string ScratchAdvice => ClusterDirectory == DataDirectory
        ? $"delete {DataDirectory} and the {Path.GetFileName(DataDirectory)}.* files beside it to start from scratch (the local data are lost)"
        : $"delete {PointerFile} and {PasswordFile} to start from scratch (the local data are lost; {Path.GetDirectoryName(ClusterDirectory)} is removed at a later start)";

    private string FolderAdvice =>
        $"set LocalDatabase__Directory to an empty folder {User} can write to; or set ConnectionStrings__Observatoire to a PostgreSQL server of yours";

    private LocalPostgresException Failure(string cause, string? wayOut = null) => new(
        $"The local PostgreSQL database cannot be used: {cause}\nWay out: {wayOut ?? $"{ScratchAdvice}; or {FolderAdvice}"}.");

    private static string Indent(string text) =>
        string.Join('\n', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(line => "  " + line));

    private static async Task WriteSecretAsync(string file, string content, CancellationToken ct)
    {
        await File.WriteAllTextAsync(file, content, ct);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}

public sealed class LocalPostgresException(string message) : Exception(message);
