using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Tests.Faults;

/// <summary>The API as a real process (start-up without the database, SIGTERM), and the local mode's private cluster killed.</summary>
[NonParallelizable]
public sealed class ProcessFaultTests
{
    [Test]
    public async Task Started_while_PostgreSQL_is_down_it_is_not_ready_then_migrates_and_on_SIGTERM_finishes_the_request_in_flight()
    {
        await using var cluster = await FaultCluster.StartAsync();
        await cluster.StopAsync();
        var port = FreePort();
        using var api = StartApi(cluster, port);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(15) };
        var probe = new FaultProbe(client);
        try
        {
            await WaitForAsync(async () => (await TryGetAsync(client, "/health/live")) == HttpStatusCode.OK, api, TimeSpan.FromSeconds(60));
            var notReady = await client.GetAsync("/health/ready");
            var read = await probe.ReadAsync();
            Assert.Multiple(async () =>
            {
                Assert.That(api.Process.HasExited, Is.False, "the API must not exit without its database");
                Assert.That(notReady.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
                Assert.That(read, Is.EqualTo(503));
                Assert.That(await notReady.Content.ReadAsStringAsync(), Does.Contain("not been migrated"));
            });

            await cluster.StartAgainAsync();
            var back = Stopwatch.StartNew();
            await WaitForAsync(async () => (await TryGetAsync(client, "/health/ready")) == HttpStatusCode.OK, api, TimeSpan.FromSeconds(20));
            var ready = back.Elapsed;
            Assert.That(await cluster.ScalarAsync<long>("select count(*) from evolve_changelog where name like '%.sql'"), Is.EqualTo(Migrator.Migrations.Count), "migrated once reachable");
            Assert.That(await probe.ReadAsync(), Is.EqualTo(200));
            FaultReport.Add(probe.Outcome("API started while PostgreSQL down", ready));

            // SIGTERM while a request waits on a lock (held for less than lock_timeout): readiness turns red,
            // the request still completes, then the process ends cleanly.
            var stopping = new FaultProbe(client);
            await using var locker = await cluster.OwnerAsync();
            await using var transaction = await locker.BeginTransactionAsync();
            await using (var command = new NpgsqlCommand("lock table territories in access exclusive mode", locker, transaction)) await command.ExecuteNonQueryAsync();
            var inFlight = stopping.ReadAsync();
            await Task.Delay(300);
            Assert.That(inFlight.IsCompleted, Is.False, "the request should be waiting on the lock");
            using (var kill = Process.Start("kill", ["-TERM", api.Process.Id.ToString()])) await kill.WaitForExitAsync();
            await Task.Delay(150);
            var readiness = await client.GetAsync("/health/ready");
            await Task.Delay(1200);
            await transaction.RollbackAsync();
            var status = await inFlight;
            var exited = api.Process.WaitForExit(TimeSpan.FromSeconds(15));
            FaultReport.Add(stopping.Outcome("SIGTERM with a request in flight"));
            Assert.Multiple(async () =>
            {
                Assert.That(readiness.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
                Assert.That(await readiness.Content.ReadAsStringAsync(), Does.Contain("stopping"));
                Assert.That(status, Is.EqualTo(200), "the request in flight completes");
                Assert.That(exited, Is.True, "the process stops");
                Assert.That(api.Process.ExitCode, Is.EqualTo(0), api.Output);
            });
        }
        finally
        {
            if (!api.Process.HasExited) api.Process.Kill(entireProcessTree: true);
        }
    }

    [Test]
    public async Task The_local_mode_restarts_its_private_cluster_after_a_kill_9()
    {
        var root = Path.Combine(Path.GetTempPath(), $"observatoire-local-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(root, (UnixFileMode)0b111_001_001);
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Testing")
            .UseSetting("LocalDatabase:Directory", Path.Combine(root, "postgres"))
            .UseSetting("Seeds:LoadWhenEmpty", "false")
            .UseSetting("Shutdown:DrainSeconds", "0")
            .UseSetting("RateLimits:Enabled", "false")
            .UseSetting("Cache:Enabled", "false")
            .UseSetting("Logging:LogLevel:Default", "Critical"));
        LocalPostgres? cluster = null;
        try
        {
            using var client = factory.CreateClient();
            cluster = factory.Services.GetRequiredService<LocalPostgres>();
            var probe = new FaultProbe(client);
            Assert.That(await probe.ReadAsync(), Is.EqualTo(200));
            Assert.That(new NpgsqlConnectionStringBuilder(factory.Services.GetRequiredService<DatabaseConnections>().RunTime).Username, Is.EqualTo(LocalPostgres.AppRole));

            var killedPid = LocalPostgres.LivePostmaster(cluster.ClusterDirectory)!.Value.Pid;
            FaultCluster.KillPostmaster(cluster);
            var killed = probe.Now;
            // Requests go on meanwhile (orphaned backends may still answer a moment); a new postmaster must come.
            for (var waited = Stopwatch.StartNew(); LocalPostgres.LivePostmaster(cluster.ClusterDirectory) is not { } restarted || restarted.Pid == killedPid;)
            {
                Assert.That(waited.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "the watchdog should have restarted the cluster");
                await probe.ReadAsync();
                await Task.Delay(100);
            }
            var restartedAfter = probe.Now - killed;
            // Fresh connections, so that the answer comes from the new server.
            factory.Services.GetRequiredService<NpgsqlDataSource>().Clear();
            for (var waited = Stopwatch.StartNew(); await probe.ReadAsync() != 200; await Task.Delay(100))
            {
                Assert.That(waited.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "the restarted cluster should serve");
            }
            FaultReport.Add(probe.Outcome($"local cluster killed (-9), new postmaster after {restartedAfter.TotalSeconds:0.0} s", probe.RecoverySince(killed)));
            Assert.That(await probe.ReadAsync(), Is.EqualTo(200));
        }
        finally
        {
            await factory.DisposeAsync();
            if (cluster is not null) await cluster.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    private sealed class ApiProcess(Process process, StringBuilder output) : IDisposable
    {
        public Process Process { get; } = process;
        public string Output { get { lock (output) return output.ToString(); } }
        public void Dispose() => Process.Dispose();
    }

    private static ApiProcess StartApi(FaultCluster cluster, int port)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!, [Path.Combine(AppContext.BaseDirectory, "Observatoire.Api.dll"), "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.Environment["ConnectionStrings__Observatoire"] = cluster.AppConnectionString;
        info.Environment["ConnectionStrings__ObservatoireOwner"] = cluster.OwnerConnectionString;
        info.Environment["Auth__BootstrapKey"] = TestApi.ApiKey;
        info.Environment["Seeds__LoadWhenEmpty"] = "false";
        info.Environment["Shutdown__DrainSeconds"] = "0.5";
        info.Environment["RateLimits__Enabled"] = "false";
        info.Environment["Cache__Enabled"] = "false";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var output = new StringBuilder();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ApiProcess(process, output);
    }

    private static async Task<HttpStatusCode?> TryGetAsync(HttpClient client, string path)
    {
        try
        {
            using var response = await client.GetAsync(path);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, ApiProcess api, TimeSpan timeout)
    {
        for (var waited = Stopwatch.StartNew(); !await condition(); await Task.Delay(100))
        {
            if (api.Process.HasExited) Assert.Fail($"The API exited with code {api.Process.ExitCode}:\n{api.Output}");
            if (waited.Elapsed > timeout) Assert.Fail($"Timed out after {timeout.TotalSeconds} s:\n{api.Output}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
