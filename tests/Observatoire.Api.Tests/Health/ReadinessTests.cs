using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace Observatoire.Api.Tests.Health;

/// <summary>Readiness follows the database: an API of its own on a database of its own, closed during the test.</summary>
public sealed class ReadinessTests
{
    [Test]
    public async Task Readiness_answers_503_problem_while_the_database_refuses_connections_and_200_once_it_accepts_them_again()
    {
        var connectionString = await TestApi.Database.CreateExtraDatabaseAsync();
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Testing")
            .UseSetting("ConnectionStrings:Observatoire", connectionString)
            .UseSetting("Seeds:LoadWhenEmpty", "false"));
        using var client = factory.CreateDefaultClient(new ContractCheckingHandler(() => TestApi.Contract));

        var up = await client.GetAsync("/health/ready");
        await SetConnectionsAllowed(database, false);
        HttpResponseMessage down;
        try
        {
            down = await client.GetAsync("/health/ready");
        }
        finally
        {
            await SetConnectionsAllowed(database, true);
        }
        var back = await client.GetAsync("/health/ready");
        var live = await client.GetAsync("/health/live");

        Assert.That(up.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((string?)(await up.JsonBody())["status"], Is.EqualTo("healthy"));
        var problem = await down.ShouldBeProblem(503);
        Assert.Multiple(async () =>
        {
            Assert.That((string?)problem["title"], Is.EqualTo("Service Unavailable"));
            Assert.That((string?)problem["detail"], Is.EqualTo("The database does not answer."));
            Assert.That((string?)problem["instance"], Is.EqualTo("/health/ready"));
            Assert.That(back.StatusCode, Is.EqualTo(HttpStatusCode.OK), await back.Content.ReadAsStringAsync());
            Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    /// <summary>Refuses (or allows again) new connections to the database and ends the open ones.</summary>
    private static async Task SetConnectionsAllowed(string database, bool allowed)
    {
        await using var connection = new NpgsqlConnection(TestApi.Database.ConnectionString);
        await connection.OpenAsync();
        await using var alter = new NpgsqlCommand($"alter database {database} with allow_connections {(allowed ? "true" : "false")}", connection);
        await alter.ExecuteNonQueryAsync();
        if (allowed) return;
        await using var terminate = new NpgsqlCommand("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1", connection);
        terminate.Parameters.AddWithValue(database);
        await terminate.ExecuteNonQueryAsync();
    }
}
