using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Observatoire.Api.Tests.Writes;

/// <summary>
/// The API as a real process, killed with SIGKILL in the middle of a stream of creates: a create and its
/// Idempotency-Key commit together or not at all, so retrying every unanswered request after a restart leaves each
/// record exactly once.
/// </summary>
public sealed class CrashTests
{
    private const int Requests = 80;
    private const int Workers = 6;

    [Test]
    public async Task After_a_kill_mid_stream_retrying_every_unanswered_create_leaves_each_record_exactly_once()
    {
        var word = ListReads.FreshWord();
        var bodies = Enumerable.Range(0, Requests).Select(n =>
        {
            var body = Records.Source();
            body.Remove("id");   // ids are generated: a create run twice would make a second record
            body["title"] = $"{word} {n}";
            return (Key: Guid.NewGuid().ToString(), Json: JsonSerializer.Serialize(body, HttpAssertions.Json), Title: $"{word} {n}");
        }).ToList();
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<int, string>();

        var port = FreePort();
        var api = Start(port);
        try
        {
            using var client = await ConnectAsync(port, api);
            var next = -1;
            var killed = false;
            async Task Worker()
            {
                while (true)
                {
                    var n = Interlocked.Increment(ref next);
                    if (n >= Requests) return;
                    try
                    {
                        var response = await client.SendAsync(Post(bodies[n].Key, bodies[n].Json));
                        if (response.StatusCode == HttpStatusCode.Created) acknowledged[n] = response.Headers.Location!.ToString();
                    }
                    catch (HttpRequestException) when (Volatile.Read(ref killed))
                    {
                        // Unanswered: retried after the restart.
                    }
                    if (acknowledged.Count >= Requests / 3 && !Volatile.Read(ref killed))
                    {
                        Volatile.Write(ref killed, true);
                        api.Kill();   // SIGKILL, by its PID
                    }
                    if (Volatile.Read(ref killed) && api.HasExited) return;
                }
            }
            await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Worker()));
            Assert.That(killed, "the API was killed mid-stream");
        }
        finally
        {
            if (!api.HasExited) api.Kill();
            await api.WaitForExitAsync();
            api.Dispose();
        }
        Assert.That(acknowledged.Count, Is.LessThan(Requests), "some requests were left unanswered");

        var restarted = Start(port);
        try
        {
            using var client = await ConnectAsync(port, restarted);
            var replayed = 0;
            foreach (var n in Enumerable.Range(0, Requests).Where(n => !acknowledged.ContainsKey(n)))
            {
                var response = await client.SendAsync(Post(bodies[n].Key, bodies[n].Json));
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
                if (response.Headers.Contains("Idempotent-Replayed")) replayed++;
            }
            TestContext.Out.WriteLine($"{acknowledged.Count} acknowledged before the kill; {Requests - acknowledged.Count} retried, {replayed} of them committed before it");
            // An acknowledged request retried is answered again, with the same record.
            var (first, location) = acknowledged.First();
            var again = await client.SendAsync(Post(bodies[first].Key, bodies[first].Json));
            Assert.That(again.Headers.Location?.ToString(), Is.EqualTo(location));
            Assert.That(again.Headers.GetValues("Idempotent-Replayed").Single(), Is.EqualTo("true"));
        }
        finally
        {
            restarted.Kill();
            await restarted.WaitForExitAsync();
            restarted.Dispose();
        }

        Assert.Multiple(async () =>
        {
            foreach (var (_, _, title) in bodies)
            {
                Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from sources where title = $1", title), Is.EqualTo(1), title);
            }
            foreach (var (n, location) in acknowledged)
            {
                Assert.That(await TestApi.Database.ScalarAsync<string>("select title from sources where id = $1", location.Split('/')[^1]),
                    Is.EqualTo(bodies[n].Title), "an acknowledged create is there");
            }
            Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from audit_log where operation = 'create' and after->>'title' like $1", word + " %"),
                Is.EqualTo(Requests), "one audit entry per record");
        });
    }

    private static HttpRequestMessage Post(string key, string json) => new(HttpMethod.Post, "/v1/sources")
    {
        Content = HttpAssertions.RawJson(json),
        Headers = { { "Idempotency-Key", $"\"{key}\"" }, { "X-Api-Key", TestApi.ApiKey } },
    };

    private static Process Start(int port)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            ArgumentList = { typeof(Program).Assembly.Location, "--urls", $"http://127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ConnectionStrings__Observatoire"] = TestApi.Database.ConnectionString,
                ["Auth__BootstrapKey"] = TestApi.ApiKey,
                ["Logging__LogLevel__Default"] = "Warning",
                // The writes here are one key's, spent across a restart (counters are shared through the database):
                // the write budget (tested in RateLimits/) would answer first.
                ["RateLimits__Enabled"] = "false",
            },
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<HttpClient> ConnectAsync(int port, Process process)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var waited = Stopwatch.StartNew();
        while (true)
        {
            Assert.That(process.HasExited, Is.False, "the API stopped while starting");
            try
            {
                if ((await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) return client;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (waited.Elapsed > TimeSpan.FromSeconds(60)) Assert.Fail("The API did not start within 60 s.");
            await Task.Delay(100);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
