using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Tests.Faults;

/// <summary>
/// The API in process against a cluster of its own, which the scenarios stop, restart, exhaust, lock, fill and
/// make read-only. Every answer must be a success or a 503 problem with Retry-After, within the time budgets.
/// </summary>
[NonParallelizable]
public sealed class DatabaseFaultTests
{
    // The pool's wait (Timeout=5) plus the scheduling of a loaded 2-core machine: no answer may take longer.
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(7);

    private FaultCluster _cluster = null!;
    private WebApplicationFactory<Program> _factory = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _cluster = await FaultCluster.StartAsync();
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Testing")
            .UseSetting("ConnectionStrings:Observatoire", _cluster.AppConnectionString)
            .UseSetting("ConnectionStrings:ObservatoireOwner", _cluster.OwnerConnectionString)
            .UseSetting("Auth:BootstrapKey", TestApi.ApiKey)
            .UseSetting("Seeds:LoadWhenEmpty", "false")
            .UseSetting("Shutdown:DrainSeconds", "0")
            // The load of these scenarios is one client's: the rate limits (tested in RateLimits/) would answer first.
            .UseSetting("RateLimits:Enabled", "false")
            // What the database answers is under test: the read cache would serve repeated reads without it
            // (Caching/ tests that, stale-if-error included).
            .UseSetting("Cache:Enabled", "false")
            // Thousands of 503s are logged as warnings: only the table matters here.
            .UseSetting("Logging:LogLevel:Default", "Critical"));
        _client = _factory.CreateClient();
        Assert.That((await _client.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client?.Dispose();
        if (_factory is not null) await _factory.DisposeAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    private NpgsqlDataSource ApiPool => _factory.Services.GetRequiredService<NpgsqlDataSource>();

    [Test, Order(1)]
    public async Task PostgreSQL_stopped_for_10_seconds_under_load_answers_503_then_200_within_2_seconds_of_its_return_and_loses_no_acknowledged_write()
    {
        var probe = new FaultProbe(_client);
        using var load = new CancellationTokenSource();
        var running = probe.LoadAsync(readers: 4, writers: 2, load.Token);
        TimeSpan back;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            await _cluster.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(10));
            await _cluster.StartAgainAsync();
            back = probe.Now;
            await Task.Delay(TimeSpan.FromSeconds(3));
        }
        finally
        {
            await load.CancelAsync();
            await running;
        }

        var ids = probe.Acknowledged.ToArray();
        var found = await _cluster.ScalarAsync<long>($"select count(*) from sources where id = any(array['{string.Join("','", ids)}'])");
        var recovery = probe.RecoverySince(back);
        FaultReport.Add(probe.Outcome($"PostgreSQL stopped 10 s under load ({ids.Length} writes acked)", recovery, ids.Length - (int)found));
        Assert.Multiple(() =>
        {
            Assert.That(probe.Statuses.GetValueOrDefault(503), Is.GreaterThan(0), "the outage should have been seen");
            Assert.That(probe.Statuses.Keys, Is.SubsetOf(new[] { 200, 201, 503 }));
            Assert.That(ids, Is.Not.Empty);
            Assert.That(found, Is.EqualTo(ids.Length), "acknowledged writes lost");
            Assert.That(recovery, Is.LessThan(TimeSpan.FromSeconds(2)), "answers should be 200 again within 2 s of the return");
            Assert.That(probe.WorstLatency, Is.LessThan(Budget));
        });
    }

    [Test, Order(2)]
    public async Task Terminated_backends_cost_at_most_one_answer_and_the_next_requests_are_fine()
    {
        var probe = new FaultProbe(_client);
        for (var i = 0; i < 8; i++) await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => probe.ReadAsync()));
        var terminated = await _cluster.ScalarAsync<long>(
            $"select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity where usename = '{LocalPostgres.AppRole}') t");
        var after = probe.Now;
        var statuses = new List<int>();
        for (var i = 0; i < 20; i++) statuses.Add(await probe.ReadAsync());
        FaultReport.Add(probe.Outcome($"{terminated} API backends terminated", probe.RecoverySince(after)));
        Assert.Multiple(() =>
        {
            Assert.That(terminated, Is.GreaterThan(0));
            Assert.That(statuses.Skip(1), Is.All.EqualTo(200), string.Join(",", statuses));
        });
    }

    [Test, Order(3)]
    public async Task A_pool_held_busy_answers_503_after_the_pool_wait_not_a_hang()
    {
        var held = new List<NpgsqlConnection>();
        var size = new NpgsqlConnectionStringBuilder(ApiPool.ConnectionString).MaxPoolSize;
        var probe = new FaultProbe(_client);
        try
        {
            for (var i = 0; i < size; i++) held.Add(await ApiPool.OpenConnectionAsync());
            var statuses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => probe.ReadAsync()));
            Assert.That(statuses, Is.All.EqualTo(503));
        }
        finally
        {
            foreach (var connection in held) await connection.DisposeAsync();
        }
        var after = probe.Now;
        Assert.That(await probe.ReadAsync(), Is.EqualTo(200));
        FaultReport.Add(probe.Outcome($"pool of {size} held busy", probe.RecoverySince(after)));
        Assert.That(probe.WorstLatency, Is.LessThan(Budget));
    }

    [Test, Order(4)]
    public async Task A_server_out_of_connections_answers_503_at_once()
    {
        var held = new List<NpgsqlConnection>();
        var probe = new FaultProbe(_client);
        try
        {
            // The pool's idle connections closed first, so that they cannot leave free slots behind.
            ApiPool.Clear();
            while (true)
            {
                try
                {
                    held.Add(await _cluster.OwnerAsync());
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.TooManyConnections)
                {
                    break;
                }
            }
            var statuses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => probe.ReadAsync()));
            Assert.That(statuses, Is.All.EqualTo(503));
        }
        finally
        {
            foreach (var connection in held) await connection.DisposeAsync();
        }
        var after = probe.Now;
        Assert.That(await probe.ReadAsync(), Is.EqualTo(200));
        FaultReport.Add(probe.Outcome($"max_connections reached ({held.Count} held)", probe.RecoverySince(after)));
        Assert.That(probe.WorstLatency, Is.LessThan(TimeSpan.FromSeconds(2)));
    }

    [Test, Order(5)]
    public async Task A_table_locked_past_lock_timeout_answers_503_and_200_once_released()
    {
        var probe = new FaultProbe(_client);
        await using (var locker = await _cluster.OwnerAsync())
        {
            await using var transaction = await locker.BeginTransactionAsync();
            await using (var command = new NpgsqlCommand("lock table sources in access exclusive mode", locker, transaction))
            {
                await command.ExecuteNonQueryAsync();
            }
            var locked = await Task.WhenAll(probe.ReadAsync("/v1/sources?limit=5"), probe.ReadAsync("/v1/sources?limit=5"), probe.WriteAsync());
            Assert.That(locked, Is.All.EqualTo(503));
        }
        var after = probe.Now;
        Assert.That(await probe.ReadAsync(), Is.EqualTo(200));
        FaultReport.Add(probe.Outcome("table locked past lock_timeout (2 s)", probe.RecoverySince(after)));
        Assert.That(probe.WorstLatency, Is.LessThan(TimeSpan.FromSeconds(4)));
    }

    [Test, Order(6)]
    public async Task Serialisation_failures_are_retried_and_a_persistent_deadlock_answers_503_after_three_attempts()
    {
        // Injected by a trigger, counted by a sequence (which a rollback does not undo).
        await _cluster.ExecuteAsync("""
            create table fault_plan (sqlstate text not null, failures bigint not null);
            create sequence fault_attempts;
            create function fault_inject() returns trigger language plpgsql as $$
            declare planned fault_plan;
            begin
              select * into planned from fault_plan limit 1;
              if found and nextval('fault_attempts') <= planned.failures then
                raise exception 'injected fault' using errcode = planned.sqlstate;
              end if;
              return new;
            end $$;
            create trigger fault_inject before insert on sources for each row execute function fault_inject();
            insert into fault_plan values ('40001', 2);
            """);
        var probe = new FaultProbe(_client);
        try
        {
            var retried = await probe.WriteAsync();
            var attempts = await _cluster.ScalarAsync<long>("select last_value from fault_attempts");
            await _cluster.ExecuteAsync("update fault_plan set sqlstate = '40P01', failures = 1000; select setval('fault_attempts', 1, false);");
            var refused = await probe.WriteAsync();
            var refusedAttempts = await _cluster.ScalarAsync<long>("select last_value from fault_attempts");
            FaultReport.Add(probe.Outcome("serialisation failure ×2, then deadlock ×∞"));
            Assert.Multiple(() =>
            {
                Assert.That(retried, Is.EqualTo(201));
                Assert.That(attempts, Is.EqualTo(3));
                Assert.That(refused, Is.EqualTo(503));
                Assert.That(refusedAttempts, Is.EqualTo(3));
            });
        }
        finally
        {
            await _cluster.ExecuteAsync("drop trigger fault_inject on sources; drop function fault_inject(); drop table fault_plan; drop sequence fault_attempts;");
        }
    }

    [Test, Order(7)]
    public async Task A_database_made_read_only_answers_503_to_writes_and_200_to_reads()
    {
        await _cluster.ExecuteAsync($"alter database {FaultCluster.Database} set default_transaction_read_only = on");
        var probe = new FaultProbe(_client);
        try
        {
            ApiPool.Clear();
            var write = await probe.WriteAsync();
            var read = await probe.ReadAsync();
            Assert.Multiple(() =>
            {
                Assert.That(write, Is.EqualTo(503));
                Assert.That(read, Is.EqualTo(200));
            });
        }
        finally
        {
            // From another database: new sessions of this one are read-only.
            await _cluster.ExecuteAsync($"alter database {FaultCluster.Database} reset default_transaction_read_only", database: "postgres");
            ApiPool.Clear();
        }
        Assert.That(await probe.WriteAsync(), Is.EqualTo(201));
        FaultReport.Add(probe.Outcome("database read-only (25006)"));
    }

    [Test, Order(8)]
    public async Task A_full_tablespace_answers_503_to_writes_and_heals_when_space_is_freed()
    {
        var probe = new FaultProbe(_client);
        // Room for the sources table as the earlier scenarios left it (several hundred KiB), then filled up.
        var tmpfs = await _cluster.SmallTmpfsAsync(kilobytes: 8192);
        string scenario;
        if (tmpfs is not null)
        {
            // A real disk full: the sources table on an 8 MiB tmpfs, filled up by another table.
            scenario = "tablespace on an 8 MiB tmpfs full (53100)";
            await _cluster.ExecuteAsync($"create tablespace fault_small location '{tmpfs}'");
            await _cluster.ExecuteAsync("alter table sources set tablespace fault_small; create table fault_filler (t text) tablespace fault_small");
            try
            {
                await _cluster.ExecuteAsync("insert into fault_filler select repeat(md5(g::text), 30) from generate_series(1, 100000) g");
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DiskFull)
            {
                // Full, as wanted: the pages already written stay on the tmpfs.
            }
        }
        else
        {
            // The mount was refused: the same error, raised by a trigger.
            scenario = "disk full simulated by a trigger (53100)";
            await _cluster.ExecuteAsync("""
                create function fault_full() returns trigger language plpgsql as $$
                begin raise exception 'could not extend file: No space left on device' using errcode = '53100'; end $$;
                create trigger fault_full before insert on sources for each row execute function fault_full();
                """);
        }
        int status;
        var attempts = 0;
        do status = await probe.WriteAsync();
        while (status == 201 && ++attempts < 500);
        Assert.That(status, Is.EqualTo(503), "writes should fail once the tablespace is full");
        Assert.That(await probe.ReadAsync("/v1/sources?limit=5"), Is.EqualTo(200), "reads go on");

        if (tmpfs is not null)
        {
            await _cluster.ExecuteAsync("drop table fault_filler; alter table sources set tablespace pg_default");
            await _cluster.ExecuteAsync("drop tablespace fault_small");
        }
        else await _cluster.ExecuteAsync("drop trigger fault_full on sources; drop function fault_full()");
        var after = probe.Now;
        Assert.That(await probe.WriteAsync(), Is.EqualTo(201));
        FaultReport.Add(probe.Outcome(scenario, probe.RecoverySince(after)));
    }
}
