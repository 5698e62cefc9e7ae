using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;

namespace Observatoire.Api.Tests.RateLimits;

/// <summary>
/// Time and connection budgets, shown with real slow requests: a table locked by another transaction (the query
/// waits on it), and a client that stops reading a large export. Each test has a database of its own.
/// </summary>
public sealed class SlowRequestTests
{
    private const string GenerateSyntheticTerritories = """
        insert into regions (code, name) values ('27', 'Bourgogne-Franche-Comté') on conflict do nothing;
        insert into territories (id, phase, code, name, region_codes, department_codes, commune_count, latitude, longitude, studied)
        select '2023-syn-' || lpad(n::text, 6, '0'), '2023-2027', 'syn-' || lpad(n::text, 6, '0'),
               'Synthetic territory ' || n || ' (generated test data to fill the socket buffers of a slow reader)',
               array['27'], array['25', '90'], n % 500, 47 + (n % 1000) / 1000.0, 6 + (n % 997) / 1000.0, n % 7 = 0
        from generate_series(1, @rows) as n;
        """;

    private static async Task<string> EmptyDatabaseAsync() => await TestApi.Database.CreateExtraDatabaseAsync();

    private static async Task<NpgsqlConnection> LockAsync(string connectionString, string table = "territories")
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"begin; lock table {table} in access exclusive mode;", connection);
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    private static async Task<long> CountAsync(string connectionString, string where)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand($"""
            select count(*) from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend' and {where}
            """, connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds)) Assert.Fail($"Not within {seconds} s: {what}");
            await Task.Delay(50);
        }
    }

    [Test]
    public async Task A_request_past_its_time_budget_is_a_503_problem_with_retry_after_and_the_next_one_succeeds()
    {
        var database = await EmptyDatabaseAsync();
        await using var api = LimitedApi.Start(database, ("Seeds:LoadWhenEmpty", "false"), ("RequestBudgets:TimeoutSeconds", "1"));
        using var client = api.Client();
        using (client.GetAsync("/health/live").Result) { }

        var clock = Stopwatch.StartNew();
        await using (var blocker = await LockAsync(database))
        {
            using var response = await client.GetAsync("/v1/territories");
            var body = await response.ShouldBeProblem(503);
            Assert.Multiple(() =>
            {
                Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
                Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(5)));
                Assert.That((string?)body["detail"], Does.Contain("time budget of 1 s"));
            });
            // The cancelled statement does not wait on the lock any longer.
            await WaitUntilAsync(async () => await CountAsync(database, "wait_event_type = 'Lock'") == 0, "the cancelled query leaves the lock queue");
        }
        using var after = await client.GetAsync("/v1/territories");
        Assert.That((int)after.StatusCode, Is.EqualTo(200), "the pooled connection is usable after the cancellation");
    }

    [Test]
    public async Task Past_the_export_concurrency_cap_an_export_is_a_503_with_retry_after()
    {
        var database = await EmptyDatabaseAsync();
        await using var api = LimitedApi.Start(database, ("Seeds:LoadWhenEmpty", "false"),
            ("RequestBudgets:ConcurrentExports", "1"), ("RequestBudgets:ExportQueue", "0"));
        using var client = api.Client(checkContract: false);
        using var checkedClient = api.Client();
        using (client.GetAsync("/health/live").Result) { }

        Task<HttpResponseMessage> first;
        // The perimeters are read by the GeoJSON export only, after the checks: locked, that export holds its slot.
        await using (var blocker = await LockAsync(database, "territory_contours"))
        {
            first = client.GetAsync("/v1/territories?format=geojson");
            await WaitUntilAsync(async () => await CountAsync(database, "wait_event_type = 'Lock' and query ilike '%territory_contours%'") == 1,
                "the first export waits on the lock, holding the only export slot");

            using var second = await checkedClient.GetAsync("/v1/territories?format=csv");
            var body = await second.ShouldBeProblem(503);
            Assert.That(second.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That((string?)body["detail"], Does.Contain("exports"));

            using var json = await checkedClient.GetAsync("/v1/sources");
            Assert.That((int)json.StatusCode, Is.EqualTo(200), "other reads are not held by the export cap");
        }
        using var done = await first;
        Assert.That((int)done.StatusCode, Is.EqualTo(200));
        Assert.That(await done.Content.ReadAsStringAsync(), Does.StartWith("{\"type\":\"FeatureCollection\""));
        using var third = await client.GetAsync("/v1/territories?format=csv");
        Assert.That((int)third.StatusCode, Is.EqualTo(200), "the slot is free again");
    }

    [Test]
    public async Task A_client_that_stops_reading_a_large_export_holds_no_database_connection()
    {
        const int rows = 100_000;
        var database = await EmptyDatabaseAsync();
        await using var api = LimitedApi.Start(database, ("Seeds:LoadWhenEmpty", "false"));
        using var client = api.Client(checkContract: false);
        using (client.GetAsync("/health/live").Result) { }
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var generate = new NpgsqlCommand(GenerateSyntheticTerritories.Replace("@rows", rows.ToString(CultureInfo.InvariantCulture)), connection);
            await generate.ExecuteNonQueryAsync();
        }

        using var response = await client.GetAsync("/v1/territories?format=csv", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var first = await reader.ReadLineAsync();

        // The client reads nothing more (megabytes are still to come), yet the query ends and its connection is idle.
        await WaitUntilAsync(async () => await CountAsync(database, "state = 'active' and query ilike '%from territories%'") == 0,
            "the export query ends while the client is not reading");
        // The export's transaction commits just after its query ends: wait for that, not merely for the query.
        await WaitUntilAsync(async () => await CountAsync(database, "state <> 'idle'") == 0, "no connection is held for the slow client");

        var rest = await reader.ReadToEndAsync();
        Assert.That(first, Does.StartWith("id;"));
        Assert.That(rest.Split("\r\n", StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(rows));
    }
}
