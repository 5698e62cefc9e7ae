using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Tests.Replication;

/// <summary>
/// A throwaway primary and a streaming standby made from it with pg_basebackup -R, on loopback, run as the postgres
/// user when the tests run as root (PostgreSQL refuses root). Trust authentication on 127.0.0.1 only.
/// </summary>
public sealed class StreamingReplica : IAsyncDisposable
{
    public const string Database = "observatoire";

    private readonly string _root;
    private readonly string _bin;
    private readonly bool _asPostgres = OperatingSystem.IsLinux() && Environment.UserName == "root";

    private StreamingReplica(string root, string bin)
    {
        _root = root;
        _bin = bin;
    }

    public int PrimaryPort { get; private set; }
    public int StandbyPort { get; private set; }

    private string PrimaryDirectory => Path.Combine(_root, "primary");
    private string StandbyDirectory => Path.Combine(_root, "standby");

    public string Primary => ConnectionString(PrimaryPort);
    public string Standby => ConnectionString(StandbyPort);

    /// <summary>A pooled connection string for an API instance, to one host or several (host:port,host:port).</summary>
    public static string ApiConnectionString(string hosts, string extra = "") => $"Host={hosts};Username=postgres;Database={Database};{extra}";

    public static string ConnectionString(int port) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = port, Username = "postgres", Database = Database, Pooling = false,
    }.ConnectionString;

    public static async Task<StreamingReplica> StartAsync()
    {
        var found = LocalPostgres.FindBinaries() ?? throw new InvalidOperationException("The replication tests need PostgreSQL's server binaries.");
        // initdb may be a link in a folder without pg_basebackup (/usr/local/bin): use the folder it points into.
        var bin = new FileInfo(Path.Combine(found, "initdb")).ResolveLinkTarget(returnFinalTarget: true) is { } target ? Path.GetDirectoryName(target.FullName)! : found;
        var root = Path.Combine(Path.GetTempPath(), $"observatoire-replication-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var servers = new StreamingReplica(root, bin);
        try
        {
            if (servers._asPostgres) await servers.RunAsync("chown", ["-R", "postgres:", root], asPostgres: false);
            else if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await servers.RunAsync(Path.Combine(bin, "initdb"), ["-D", servers.PrimaryDirectory, "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]);
            servers.PrimaryPort = await servers.StartServerAsync(servers.PrimaryDirectory, "-c wal_level=replica -c max_wal_senders=4");
            await using (var connection = new NpgsqlConnection(ConnectionString(servers.PrimaryPort).Replace(Database, "postgres")))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand($"create database {Database}", connection);
                await create.ExecuteNonQueryAsync();
            }
            await servers.RunAsync(Path.Combine(bin, "pg_basebackup"), ["-h", "127.0.0.1", "-p", servers.PrimaryPort.ToString(), "-U", "postgres",
                "-D", servers.StandbyDirectory, "-R", "-X", "stream", "-c", "fast", "--no-sync"]);
            servers.StandbyPort = await servers.StartServerAsync(servers.StandbyDirectory, "-c hot_standby=on");
            return servers;
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs one statement on a server and returns its single value.</summary>
    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Waits until the standby has replayed everything the primary has written so far.</summary>
    public async Task CaughtUpAsync()
    {
        var target = await ScalarAsync<string>(Primary, "select pg_current_wal_lsn()::text");
        for (var waited = Stopwatch.StartNew(); ; await Task.Delay(10))
        {
            if (await ScalarAsync<bool>(Standby, $"select pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")) return;
            if (waited.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException("The standby did not catch up with the primary.");
        }
    }

    public Task PauseReplayAsync() => ExecuteAsync(Standby, "select pg_wal_replay_pause()");

    public Task ResumeReplayAsync() => ExecuteAsync(Standby, "select pg_wal_replay_resume()");

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Stops the primary at once, as a crash would.</summary>
    public Task StopPrimaryAsync() => StopServerAsync(PrimaryDirectory);

    /// <summary>Makes the standby a primary and waits until it accepts writes.</summary>
    public Task PromoteStandbyAsync() => RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", StandbyDirectory, "-w", "promote"]);

    private async Task<int> StartServerAsync(string directory, string options)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var result = await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", directory, "-l", directory + ".log", "-w", "-t", "60",
                "-o", $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c max_connections=60 {options}", "start"],
                throwOnFailure: attempt == 3);
            if (result == 0) return port;
        }
    }

    private async Task StopServerAsync(string directory)
    {
        if (!File.Exists(Path.Combine(directory, "postmaster.pid"))) return;
        var pid = int.Parse(File.ReadLines(Path.Combine(directory, "postmaster.pid")).First());
        await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", directory, "-m", "immediate", "-w", "stop"], throwOnFailure: false);
        for (var waited = Stopwatch.StartNew(); File.Exists($"/proc/{pid}/stat") && waited.Elapsed < TimeSpan.FromSeconds(10);) await Task.Delay(20);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<int> RunAsync(string file, IReadOnlyList<string> arguments, bool? asPostgres = null, bool throwOnFailure = true)
    {
        var info = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        if (asPostgres ?? _asPostgres)
        {
            info.FileName = "runuser";
            foreach (var a in new[] { "-u", "postgres", "--", file }) info.ArgumentList.Add(a);
        }
        else
        {
            info.FileName = file;
        }
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 && throwOnFailure)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await StopServerAsync(StandbyDirectory);
        await StopServerAsync(PrimaryDirectory);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
