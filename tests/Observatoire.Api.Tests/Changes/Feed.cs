using System.Text.Json.Nodes;
using Npgsql;

namespace Observatoire.Api.Tests.Changes;

/// <summary>Reading /v1/changes in tests.</summary>
public static class Feed
{
    public const string Beginning = "/v1/changes?limit=1000";

    public sealed record Page(IReadOnlyList<JsonNode> Items, string Next, bool CaughtUp, string? LinkHeader);

    public static async Task<Page> Read(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), $"GET {url}: {text}");
        var body = JsonNode.Parse(text)!;
        return new Page([.. body["items"]!.AsArray().Select(i => i!)], (string)body["links"]!["next"]!, (bool)body["caughtUp"]!,
            response.Headers.TryGetValues("Link", out var link) ? link.Single() : null);
    }

    /// <summary>Follows links.next from <paramref name="url"/> until caught up: every entry read, and where to resume.</summary>
    public static async Task<(List<JsonNode> Entries, string Next)> ReadToEnd(HttpClient client, string url = Beginning)
    {
        var entries = new List<JsonNode>();
        while (true)
        {
            var page = await Read(client, url);
            entries.AddRange(page.Items);
            url = page.Next;
            if (page.CaughtUp) return (entries, url);
        }
    }

    /// <summary>The URL that resumes after everything the feed serves now.</summary>
    public static async Task<string> End(HttpClient client) => (await ReadToEnd(client)).Next;

    /// <summary>
    /// Reads from <paramref name="url"/> until the feed has served an entry for every id (a change is served once
    /// every older transaction of the server has ended, which may take a moment) and returns the entries for them.
    /// </summary>
    public static async Task<List<JsonNode>> WaitFor(HttpClient client, string url, params string[] ids)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var (entries, _) = await ReadToEnd(client, url);
            var mine = entries.Where(e => ids.Contains((string?)e["id"])).ToList();
            if (ids.All(id => mine.Any(e => (string?)e["id"] == id))) return mine;
            if (DateTime.UtcNow > deadline) Assert.Fail($"The feed did not serve {string.Join(", ", ids)} within 10 s; it served {Describe(mine)}.");
            await Task.Delay(50);
        }
    }

    public static string Describe(IEnumerable<JsonNode> entries) =>
        "[" + string.Join(", ", entries.Select(e => $"{e["operation"]} {e["id"]} v{e["version"]?.ToString() ?? "-"}")) + "]";
}

/// <summary>
/// Writes to the territories table inside a transaction opened directly on the database, as the API's own
/// writes do them (the triggers fill the tracking columns; a deletion leaves a tombstone, a creation removes it).
/// </summary>
public static class DirectWrites
{
    public static Task Create(NpgsqlConnection connection, NpgsqlTransaction transaction, string code, string name) =>
        Execute(connection, transaction, """
            insert into territories (id, phase, code, name, region_codes, department_codes)
            values (@id, '2023-2027', @code, @name, '{27}', '{90}')
            """, ("id", $"2023-{code}"), ("code", code), ("name", name));

    public static Task Rename(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, string name) =>
        Execute(connection, transaction, "update territories set name = @name where id = @id", ("id", id), ("name", name));

    public static Task Delete(NpgsqlConnection connection, NpgsqlTransaction transaction, string id) =>
        Execute(connection, transaction, "delete from territories where id = @id", ("id", id));

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }
}
