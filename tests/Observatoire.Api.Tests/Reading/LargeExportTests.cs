using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace Observatoire.Api.Tests.Reading;

/// <summary>
/// An export of 100,000 territories, generated (synthetic, marked as such in their names) in a database of
/// this test's own, so that the other tests keep their small seeded data set.
/// </summary>
public sealed class LargeExportTests
{
    private const int Rows = 100_000;

    private const string GenerateSyntheticTerritories = """
        insert into regions (code, name) values ('27', 'Bourgogne-Franche-Comté') on conflict do nothing;
        insert into territories (id, phase, code, name, region_codes, department_codes, commune_count, latitude, longitude, studied)
        select '2023-syn-' || lpad(n::text, 6, '0'), '2023-2027', 'syn-' || lpad(n::text, 6, '0'),
               'Synthetic territory ' || n || ' (generated test data; "quoted"; semicolon)',
               array['27'], array['25', '90'], n % 500, 47 + (n % 1000) / 1000.0, 6 + (n % 997) / 1000.0, n % 7 = 0
        from generate_series(1, @rows) as n;
        """;

    [Test]
    public async Task A_csv_export_of_100000_rows_reads_back_as_the_json_pages()
    {
        var connectionString = await TestApi.Database.CreateExtraDatabaseAsync();
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Testing")
            .UseSetting("ConnectionStrings:Observatoire", connectionString)
            .UseSetting("Seeds:LoadWhenEmpty", "false"));
        using var client = factory.CreateClient();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var generate = new NpgsqlCommand(GenerateSyntheticTerritories.Replace("@rows", Rows.ToString(CultureInfo.InvariantCulture)), connection);
            await generate.ExecuteNonQueryAsync();
        }

        // Read the export as a stream, as a partner's importer would: with only its first line read, the
        // database is still sending rows, so the export is written as they come, not gathered first.
        using var response = await client.GetAsync("/v1/territories?format=csv", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var first = await reader.ReadLineAsync();
        Assert.That(await ExportQueriesRunning(connectionString), Is.EqualTo(1), "the export query still runs once the first line is out");
        var text = first + "\r\n" + await reader.ReadToEndAsync();
        var csv = Csv.Parse(text, ';');
        Assert.That(csv, Has.Count.EqualTo(Rows + 1));

        var line = 1;
        string? next = "/v1/territories?limit=200";
        while (next is not null)
        {
            var page = await (await client.GetAsync(next)).JsonBody();
            foreach (var item in page["items"]!.AsArray())
            {
                var row = csv[line++];
                Assert.That(row[0], Is.EqualTo((string?)item!["id"]));
                Assert.That(row[3], Is.EqualTo((string?)item["name"]));
                Assert.That(int.Parse(row[7], CultureInfo.InvariantCulture), Is.EqualTo((int?)item["communeCount"]));
                Assert.That(double.Parse(row[9].Replace(',', '.'), CultureInfo.InvariantCulture), Is.EqualTo((double?)item["point"]!["longitude"]));
                Assert.That(row[10], Is.EqualTo((bool)item["studied"]! ? "true" : "false"));
            }
            next = (string?)page["links"]!["next"];
        }
        Assert.That(line, Is.EqualTo(Rows + 1), "the JSON pages hold as many rows as the CSV");
    }

    private static async Task<long> ExportQueriesRunning(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("""
            select count(*) from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid() and state = 'active' and query ilike '%from territories%'
            """, connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
