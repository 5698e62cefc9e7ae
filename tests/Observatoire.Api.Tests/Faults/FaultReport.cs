using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Observatoire.Api.Tests.Faults;

/// <summary>The outcome of one fault scenario: a row of the table the suite prints.</summary>
public sealed record FaultOutcome(string Scenario, IReadOnlyDictionary<int, int> Statuses, TimeSpan WorstLatency, TimeSpan? Recovery, int LostWrites);

/// <summary>Collects the scenarios' outcomes and prints them as one table when the fault suite ends.</summary>
[SetUpFixture]
public sealed class FaultReport
{
    private static readonly ConcurrentQueue<FaultOutcome> Outcomes = new();

    public static void Add(FaultOutcome outcome) => Outcomes.Enqueue(outcome);

    [OneTimeTearDown]
    public void Print()
    {
        if (Outcomes.IsEmpty) return;
        var table = new StringBuilder();
        table.AppendLine();
        table.AppendLine($"{"scenario",-56} | {"answers by status",-34} | {"worst latency",13} | {"recovery",9} | lost writes");
        table.AppendLine(new string('-', 56) + "-|-" + new string('-', 34) + "-|-" + new string('-', 13) + "-|-" + new string('-', 9) + "-|-" + new string('-', 11));
        foreach (var o in Outcomes)
        {
            var statuses = string.Join(" ", o.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"));
            var recovery = o.Recovery is { } r ? $"{r.TotalSeconds:0.00} s" : "-";
            table.AppendLine($"{o.Scenario,-56} | {statuses,-34} | {o.WorstLatency.TotalSeconds,11:0.000} s | {recovery,9} | {o.LostWrites}");
        }
        TestContext.Progress.WriteLine(table.ToString());
        File.WriteAllText(Path.Combine(TestContext.CurrentContext.WorkDirectory, "faults-report.txt"), table.ToString());
    }
}

/// <summary>
/// Requests sent and judged the same way by every scenario: each answer is a success, or a 503 problem+json with
/// Retry-After (anything else fails the test), with its latency; each acknowledged write's id is kept.
/// </summary>
public sealed class FaultProbe(HttpClient client)
{
    private readonly ConcurrentDictionary<int, int> _statuses = new();
    private readonly ConcurrentQueue<(TimeSpan Start, TimeSpan End, int Status)> _answers = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<string> _violations = new();
    private long _worstTicks;
    private int _writes;

    public ConcurrentBag<string> Acknowledged { get; } = [];

    /// <summary>Answers that were neither a success nor a 503 problem with Retry-After (must stay empty).</summary>
    public IReadOnlyCollection<string> Violations => _violations;
    public IReadOnlyDictionary<int, int> Statuses => _statuses;
    public TimeSpan WorstLatency => TimeSpan.FromTicks(Interlocked.Read(ref _worstTicks));
    public TimeSpan Now => _clock.Elapsed;

    public Task<int> ReadAsync(string path = "/v1/territories?limit=5") => SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path));

    /// <summary>Creates a source; its id is kept when the API acknowledges it (201).</summary>
    public Task<int> WriteAsync()
    {
        var n = Interlocked.Increment(ref _writes);
        return SendAsync(() => new HttpRequestMessage(HttpMethod.Post, "/v1/sources")
        {
            Content = JsonContent.Create(new { url = $"https://example.org/fault/{Guid.NewGuid():N}", title = $"Fault write {n} {Guid.NewGuid():N}" }),
            Headers = { { "X-Api-Key", TestApi.ApiKey } },
        });
    }

    private async Task<int> SendAsync(Func<HttpRequestMessage> request)
    {
        var start = _clock.Elapsed;
        using var response = await client.SendAsync(request());
        var body = await response.Content.ReadAsStringAsync();
        var end = _clock.Elapsed;
        var status = (int)response.StatusCode;
        _statuses.AddOrUpdate(status, 1, (_, c) => c + 1);
        _answers.Enqueue((start, end, status));
        var latency = (end - start).Ticks;
        for (var worst = Interlocked.Read(ref _worstTicks); latency > worst; worst = Interlocked.Read(ref _worstTicks))
        {
            if (Interlocked.CompareExchange(ref _worstTicks, latency, worst) == worst) break;
        }
        // Recorded, not asserted here: the loops run concurrently, outside any assertion scope.
        if (response.StatusCode == HttpStatusCode.Created) Acknowledged.Add((string)JsonNode.Parse(body)!["id"]!);
        else if (status == 503)
        {
            if (response.Content.Headers.ContentType?.MediaType != "application/problem+json" || response.Headers.RetryAfter?.Delta is not { TotalSeconds: > 0 })
            {
                _violations.Enqueue($"a 503 without problem+json or Retry-After: {body}");
            }
        }
        else if (status >= 300) _violations.Enqueue($"{status}: {body}");
        return status;
    }

    /// <summary>From <paramref name="since"/> until the end of the last failed answer among the requests sent after it.</summary>
    public TimeSpan RecoverySince(TimeSpan since)
    {
        var failed = _answers.Where(a => a.Start >= since && a.Status >= 500).Select(a => a.End).DefaultIfEmpty(since).Max();
        return failed - since;
    }

    /// <summary>Sends reads (and writes) from <paramref name="workers"/> loops until <paramref name="ct"/> is cancelled.</summary>
    public Task LoadAsync(int readers, int writers, CancellationToken ct) => Task.WhenAll(
        Enumerable.Range(0, readers).Select(_ => Loop(() => ReadAsync(), ct))
            .Concat(Enumerable.Range(0, writers).Select(_ => Loop(WriteAsync, ct))));

    private static async Task Loop(Func<Task<int>> send, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            // A refused request comes back at once while the server is down: pace the loop a little then.
            if (await send() >= 500) await Task.Delay(20, CancellationToken.None);
        }
    }

    public FaultOutcome Outcome(string scenario, TimeSpan? recovery = null, int lostWrites = 0)
    {
        Assert.That(Violations, Is.Empty, scenario);
        return new(scenario, new Dictionary<int, int>(_statuses), WorstLatency, recovery, lostWrites);
    }
}
