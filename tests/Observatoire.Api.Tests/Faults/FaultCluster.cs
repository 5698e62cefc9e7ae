using System.Diagnostics;
using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Tests.Faults;

/// <summary>
/// A PostgreSQL cluster of its own for fault scenarios (they stop it, fill it, lock it): the API's run-time role
/// and an owner, a database per fixture, and the means to stop and start the server.
/// </summary>
public sealed class FaultCluster : IAsyncDisposable
{
    private readonly LocalPostgres _cluster;
    private readonly string _root;
    private readonly string _binaries;
    private readonly List<string> _mounts = [];

    private FaultCluster(LocalPostgres cluster, string root, string binaries, string appConnection)
    {
        _cluster = cluster;
        _root = root;
        _binaries = binaries;
        AppConnectionString = appConnection;
        OwnerConnectionString = cluster.ConnectionString(Database);
    }

    public const string Database = "faults";
    public string AppConnectionString { get; }
    public string OwnerConnectionString { get; }
    public int Port => _cluster.Port;

    public static async Task<FaultCluster> StartAsync()
    {
        var binaries = LocalPostgres.FindBinaries() ?? throw new InvalidOperationException("The fault suite needs the PostgreSQL binaries.");
        var root = Path.Combine(Path.GetTempPath(), $"observatoire-faults-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(root, (UnixFileMode)0b111_001_001);
        var cluster = await LocalPostgres.StartAsync(Path.Combine(root, "postgres"), binaries);
        await cluster.EnsureDatabaseAsync(Database);
        var app = await cluster.EnsureAppRoleAsync(Database);
        return new FaultCluster(cluster, root, binaries, app);
    }

    /// <summary>A clean stop (pg_ctl stop -m fast): sessions are terminated, as in a server restart.</summary>
    public async Task StopAsync()
    {
        NpgsqlConnection.ClearAllPools();
        var (exit, output) = await RunAsync(Path.Combine(_binaries, "pg_ctl"), "-D", _cluster.ClusterDirectory, "-m", "fast", "-w", "stop");
        Assert.That(exit, Is.EqualTo(0), $"pg_ctl stop: {output}");
    }

    /// <summary>The postmaster killed with SIGKILL, as the out-of-memory killer would.</summary>
    public static void KillPostmaster(LocalPostgres cluster)
    {
        var postmaster = LocalPostgres.LivePostmaster(cluster.ClusterDirectory) ?? throw new InvalidOperationException("No postmaster runs.");
        Process.GetProcessById(postmaster.Pid).Kill();
    }

    /// <summary>Starts the server again on its port; returns when it accepts connections.</summary>
    public async Task StartAgainAsync() => Assert.That(await _cluster.RestartIfDeadAsync(), Is.True, "the server should have been down");

    public async Task<NpgsqlConnection> OwnerAsync(string? database = null)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_cluster.ConnectionString(database ?? Database)) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task ExecuteAsync(string sql, string? database = null)
    {
        await using var connection = await OwnerAsync(database);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = await OwnerAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// A folder on a tmpfs of <paramref name="kilobytes"/> owned by the server's user, for a tablespace that fills up;
    /// null when the machine refuses the mount (not root, or a container without the capability).
    /// </summary>
    public async Task<string?> SmallTmpfsAsync(int kilobytes)
    {
        if (OperatingSystem.IsWindows() || Environment.UserName != "root") return null;
        var folder = Path.Combine(_root, $"tmpfs-{_mounts.Count}");
        Directory.CreateDirectory(folder);
        if ((await RunAsync("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k,mode=0700", "tmpfs", folder)).Exit != 0) return null;
        _mounts.Add(folder);
        await RunAsync("chown", "postgres:", folder);
        return folder;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await _cluster.RestartIfDeadAsync();
        await _cluster.DisposeAsync();
        foreach (var mount in _mounts) await RunAsync("umount", mount);
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>Runs a program (a PostgreSQL one as the postgres user when root, as the cluster does).</summary>
    private static async Task<(int Exit, string Output)> RunAsync(string file, params string[] arguments)
    {
        var asPostgres = Environment.UserName == "root" && file.EndsWith("pg_ctl", StringComparison.Ordinal);
        var info = new ProcessStartInfo(asPostgres ? "runuser" : file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        if (asPostgres) foreach (var a in new[] { "-u", "postgres", "--", file }) info.ArgumentList.Add(a);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await error + await output);
    }
}
