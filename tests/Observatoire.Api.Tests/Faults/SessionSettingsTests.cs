using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Tests.Faults;

/// <summary>The run-time connection string: the server-side budgets every API session runs under.</summary>
public sealed class SessionSettingsTests
{
    private static async Task<Dictionary<string, string>> ShowAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var shown = new Dictionary<string, string>();
        foreach (var setting in new[] { "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout", "max_parallel_workers_per_gather", "jit" })
        {
            await using var show = new NpgsqlCommand($"show {setting}", connection);
            shown[setting] = (string)(await show.ExecuteScalarAsync())!;
        }
        return shown;
    }

    [Test]
    public async Task An_api_session_has_its_time_budgets_no_parallel_workers_and_no_jit()
    {
        var shown = await ShowAsync(DatabaseSetup.WithRunTimeDefaults(TestApi.Database.ConnectionString));
        Assert.That(shown, Is.EqualTo(new Dictionary<string, string>
        {
            ["statement_timeout"] = "5s", ["lock_timeout"] = "2s", ["idle_in_transaction_session_timeout"] = "10s",
            ["max_parallel_workers_per_gather"] = "0", ["jit"] = "off",
        }));
    }

    [Test]
    public async Task A_setting_given_in_the_connection_strings_options_wins()
    {
        var given = new NpgsqlConnectionStringBuilder(TestApi.Database.ConnectionString) { Options = "-c max_parallel_workers_per_gather=2" };
        var shown = await ShowAsync(DatabaseSetup.WithRunTimeDefaults(given.ConnectionString));
        Assert.That(shown["max_parallel_workers_per_gather"], Is.EqualTo("2"));
        Assert.That(shown["statement_timeout"], Is.EqualTo("5s"));
    }
}
