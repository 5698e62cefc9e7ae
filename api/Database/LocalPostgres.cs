using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace Observatoire.Api.Database;

/// <summary>
/// A private PostgreSQL cluster started from the binaries installed on the machine, for the
/// zero-configuration local mode and for the test suite. See docs/decisions/0001-local-database.md.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    private const string SuperUser = "observatoire";
    private static readonly string[] BinarySearchPaths =
    [
        "/usr/lib/postgresql/18/bin", "/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin",
        "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/14/bin", "/usr/lib/postgresql/13/bin",
        "/opt/homebrew/bin", "/usr/local/bin", "/usr/pgsql-17/bin", "/usr/pgsql-16/bin", "/usr/pgsql-15/bin",
    ];

    private readonly string _binDirectory;
    private readonly bool _asPostgresUser;
    private bool _startedHere;

    private LocalPostgres(string dataDirectory, string binDirectory, bool asPostgresUser)
    {
        DataDirectory = dataDirectory;
        _binDirectory = binDirectory;
        _asPostgresUser = asPostgresUser;
    }

    public string DataDirectory { get; }
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

    /// <summary>The directory holding initdb/pg_ctl, or null when PostgreSQL is not installed.</summary>
    public static string? FindBinaries()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return onPath.Concat(BinarySearchPaths)
            .FirstOrDefault(dir => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")));
    }

    /// <summary>Starts the cluster in <paramref name="dataDirectory"/>, creating it if needed, or reuses it when already running.</summary>
    public static async Task<LocalPostgres> StartAsync(string dataDirectory, string binDirectory, CancellationToken ct = default)
    {
        var asPostgresUser = Environment.UserName == "root" || Environment.IsPrivilegedProcess;
        var cluster = new LocalPostgres(Path.GetFullPath(dataDirectory), binDirectory, asPostgresUser);
        await cluster.InitialiseAsync(ct);
        await cluster.StartOrReuseAsync(ct);
        return cluster;
    }

    private string PasswordFile => Path.Combine(Path.GetDirectoryName(DataDirectory)!, Path.GetFileName(DataDirectory) + ".password");

    private async Task InitialiseAsync(CancellationToken ct)
    {
        if (File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            Password = (await File.ReadAllTextAsync(PasswordFile, ct)).Trim();
            return;
        }

        Directory.CreateDirectory(DataDirectory);
        Password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        await File.WriteAllTextAsync(PasswordFile, Password, ct);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // initdb reads the password from a file the server's OS user can read; it is removed right after.
        var initPasswordFile = Path.Combine(DataDirectory, "..", $".initdb-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(initPasswordFile, Password, ct);
        try
        {
            if (_asPostgresUser)
            {
                await RunAsync("chown", ["-R", "postgres:postgres", DataDirectory, initPasswordFile], asPostgres: false, ct);
            }
            await RunAsync(Path.Combine(_binDirectory, "initdb"),
                ["-D", DataDirectory, "-U", SuperUser, "--pwfile", initPasswordFile, "--auth=scram-sha-256",
                 "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"], _asPostgresUser, ct);
        }
        finally
        {
            File.Delete(initPasswordFile);
        }
    }

    private async Task StartOrReuseAsync(CancellationToken ct)
    {
        var running = RunningPort();
        if (running is int port)
        {
            Port = port;
            if (await AcceptsConnectionsAsync(ct)) return;
        }

        Port = FreePort();
        var log = Path.Combine(DataDirectory, "server.log");
        await RunAsync(Path.Combine(_binDirectory, "pg_ctl"),
            ["-D", DataDirectory, "-l", log, "-w", "-t", "60",
             "-o", $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=on -c max_connections=100",
             "start"], _asPostgresUser, ct);
        _startedHere = true;
    }

    private int? RunningPort()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile)) return null;
        try
        {
            var lines = File.ReadAllLines(pidFile);
            if (lines.Length < 4 || !int.TryParse(lines[0], out var pid)) return null;
            using var process = Process.GetProcessById(pid);
            return int.TryParse(lines[3], out var port) ? port : null;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidOperationException)
        {
            return null;
        }
    }

    private async Task<bool> AcceptsConnectionsAsync(CancellationToken ct)
    {
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
            await connection.OpenAsync(ct);
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    /// <summary>Creates the database if it does not exist yet.</summary>
    public async Task EnsureDatabaseAsync(string database, string? template = null, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection);
        exists.Parameters.AddWithValue(database);
        if (await exists.ExecuteScalarAsync(ct) is not null) return;
        var quoted = "\"" + database.Replace("\"", "\"\"") + "\"";
        var templateClause = template is null ? "" : $" template \"{template.Replace("\"", "\"\"")}\"";
        await using var create = new NpgsqlCommand($"create database {quoted}{templateClause}", connection);
        await create.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Stops the cluster if this process started it; a reused cluster keeps running for its owner.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_startedHere) return;
        _startedHere = false;
        NpgsqlConnection.ClearAllPools();
        await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "stop"], _asPostgresUser, CancellationToken.None);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken ct)
    {
        var info = new ProcessStartInfo
        {
            FileName = asPostgres ? "runuser" : file,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file }) info.ArgumentList.Add(a);
        }
        foreach (var a in arguments) info.ArgumentList.Add(a);

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new LocalPostgresException($"{Path.GetFileName(file)} failed (exit {process.ExitCode}): {(await stderr).Trim()} {(await stdout).Trim()}");
        }
    }
}

public sealed class LocalPostgresException(string message) : Exception(message);
