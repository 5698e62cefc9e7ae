using System.Diagnostics;
using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Tests.LocalDatabase;

/// <summary>
/// The private cluster that <c>dotnet run --project api</c> starts without a connection string. It is process-level
/// infrastructure, so these tests drive <see cref="LocalPostgres"/> directly rather than through HTTP.
/// </summary>
public sealed class LocalPostgresTests
{
    private string _root = "";
    private readonly List<LocalPostgres> _clusters = [];

    private string DataDirectory => Path.Combine(_root, ".data", "postgres");

    [SetUp]
    public void CreateFolder()
    {
        _root = Path.Combine(Path.GetTempPath(), $"observatoire-local-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_root);
    }

    [TearDown]
    public async Task RemoveEverything()
    {
        var external = new List<string>();
        foreach (var cluster in _clusters)
        {
            await cluster.DisposeAsync();
            if (cluster.ClusterDirectory != cluster.DataDirectory) external.Add(Path.GetDirectoryName(cluster.ClusterDirectory)!);
        }
        foreach (var folder in external.Append(_root).Where(Directory.Exists)) Directory.Delete(folder, recursive: true);
    }

    [Test]
    public async Task As_root_a_clone_under_a_folder_only_root_can_enter_gets_a_working_cluster_and_a_fresh_one_once_its_data_folder_is_deleted()
    {
        Assume.That(!OperatingSystem.IsWindows() && Environment.IsPrivilegedProcess, "PostgreSQL runs as the postgres user only when started by root.");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var first = await StartAsync();
        await ExecuteAsync(first, "create table kept_here (id int)");
        await first.DisposeAsync();
        Assert.Multiple(() =>
        {
            Assert.That(first.ClusterDirectory, Does.Not.StartWith(_root), "the postgres user cannot reach the clone");
            Assert.That(LocalPostgres.LivePostmaster(first.ClusterDirectory), Is.Null);
        });

        Directory.Delete(Path.Combine(_root, ".data"), recursive: true);
        var second = await StartAsync();
        var kept = await ScalarAsync(second, "select count(*) from pg_tables where tablename = 'kept_here'");
        Assert.Multiple(() =>
        {
            Assert.That(kept, Is.EqualTo(0L), "the new cluster starts from scratch");
            Assert.That(second.ClusterDirectory, Is.Not.EqualTo(first.ClusterDirectory));
            Assert.That(Directory.Exists(Path.GetDirectoryName(first.ClusterDirectory)), Is.False, "the orphaned cluster is removed");
        });
    }

    [Test]
    public async Task The_cluster_keeps_running_while_any_process_uses_it_and_stops_with_the_last_one()
    {
        var starter = await StartAsync();
        var second = await StartAsync();
        var third = await StartAsync();
        var postmaster = LocalPostgres.LivePostmaster(starter.ClusterDirectory)!.Value.Pid;
        Assert.That(new[] { second.Port, third.Port }, Is.All.EqualTo(starter.Port));

        await second.DisposeAsync();
        Assert.That(await ScalarAsync(starter, "select 1::bigint"), Is.EqualTo(1L), "the others keep it after one leaves");
        await starter.DisposeAsync();
        Assert.That(await ScalarAsync(third, "select 1::bigint"), Is.EqualTo(1L), "it outlives the process that started it");

        await third.DisposeAsync();
        Assert.Multiple(() =>
        {
            Assert.That(IsRunning(postmaster), Is.False);
            Assert.That(LocalPostgres.LivePostmaster(starter.ClusterDirectory), Is.Null);
        });
    }

    [Test]
    public async Task A_stale_postmaster_pid_left_by_a_killed_server_does_not_stop_the_next_start()
    {
        var killed = await StartAsync();
        var cluster = killed.ClusterDirectory;
        using (var postmaster = Process.GetProcessById(LocalPostgres.LivePostmaster(cluster)!.Value.Pid))
        {
            postmaster.Kill();
            await postmaster.WaitForExitAsync();
        }
        // After a reboot the recorded PID often belongs to another live process: PostgreSQL alone would refuse to start.
        var pidFile = Path.Combine(cluster, "postmaster.pid");
        var lines = await File.ReadAllLinesAsync(pidFile);
        lines[0] = Environment.ProcessId.ToString();
        await File.WriteAllLinesAsync(pidFile, lines);
        await killed.DisposeAsync();

        var next = await StartAsync();

        Assert.That(await ScalarAsync(next, "select 1::bigint"), Is.EqualTo(1L));
    }

    [Test]
    public async Task A_folder_with_other_files_is_neither_touched_nor_used_and_the_message_says_why_and_what_to_do()
    {
        var notes = Path.Combine(DataDirectory, "notes.txt");
        Directory.CreateDirectory(DataDirectory);
        await File.WriteAllTextAsync(notes, "not a cluster");

        var failure = Assert.ThrowsAsync<LocalPostgresException>(StartAsync)!;

        var owner = await OwnerAsync(notes);
        Assert.Multiple(() =>
        {
            Assert.That(owner, Is.EqualTo(Environment.UserName), "the folder is not given to the server's user");
            Assert.That(failure.Message, Does.Contain($"{DataDirectory} is not empty and holds no PostgreSQL cluster")
                .And.Contain("Way out:").And.Contain("LocalDatabase__Directory").And.Contain("ConnectionStrings__Observatoire"));
            Assert.That(Directory.GetFileSystemEntries(DataDirectory), Is.EqualTo(new[] { notes }));
        });
    }

    [Test]
    public async Task A_server_that_cannot_start_names_the_lines_of_its_log_and_the_ways_out()
    {
        Directory.CreateDirectory(DataDirectory);
        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "PG_VERSION"), "9\n");
        await File.WriteAllTextAsync(DataDirectory + ".password", "secret");
        if (Environment.IsPrivilegedProcess)
        {
            // As root the server runs as postgres: give it the folder, as a copied data directory would be.
            using var chown = Process.Start("chown", ["-R", "postgres:", DataDirectory]);
            await chown.WaitForExitAsync();
        }

        var failure = Assert.ThrowsAsync<LocalPostgresException>(StartAsync)!;

        Assert.That(failure.Message, Does.Contain("pg_ctl").And.Contain("server.log says:").And.Contain("postgresql.conf")
            .And.Contain("Way out:").And.Contain($"delete {DataDirectory}").And.Contain("ConnectionStrings__Observatoire"));
    }

    private async Task<LocalPostgres> StartAsync()
    {
        var binaries = LocalPostgres.FindBinaries() ?? throw new InvalidOperationException("PostgreSQL's server binaries are needed.");
        var cluster = await LocalPostgres.StartAsync(DataDirectory, binaries);
        _clusters.Add(cluster);
        return cluster;
    }

    private static async Task<object?> ScalarAsync(LocalPostgres cluster, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString("postgres") + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task ExecuteAsync(LocalPostgres cluster, string sql) => await ScalarAsync(cluster, sql);

    private static async Task<string> OwnerAsync(string file)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%U", file]) { RedirectStandardOutput = true })!;
        var owner = await stat.StandardOutput.ReadToEndAsync();
        await stat.WaitForExitAsync();
        return owner.Trim();
    }

    /// <summary>Whether the process exists and has not ended (a zombie, never reaped by its parent, has ended).</summary>
    private static bool IsRunning(int pid)
    {
        if (Directory.Exists("/proc"))
        {
            var stat = $"/proc/{pid}/stat";
            return File.Exists(stat) && File.ReadAllText(stat).Split(") ")[^1][0] != 'Z';
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
