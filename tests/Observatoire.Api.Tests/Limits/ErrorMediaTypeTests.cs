using System.Net;
using System.Net.Http.Headers;
using Npgsql;

namespace Observatoire.Api.Tests.Limits;

public sealed class ErrorMediaTypeTests
{
    [TestCase("text/csv", "/v1/territories/2018-ti0000", 404)]
    [TestCase("text/csv", "/v1/territories?limit=0", 400)]
    [TestCase("text/calendar", "/v1/sessions.ics?nothing=1", 400)]
    [TestCase("text/calendar", "/v1/nowhere", 404)]
    [TestCase("text/csv", "/v1/territories?code=%00", 400)]
    public async Task An_error_asked_for_as_an_export_is_still_a_problem(string accept, string url, int status)
    {
        using var client = TestApi.Anonymous();
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        await (await client.SendAsync(request)).ShouldBeProblem(status);
    }

    [Test]
    public async Task A_refused_write_asked_for_as_CSV_is_a_problem_too()
    {
        using var client = TestApi.Anonymous();
        var request = new HttpRequestMessage(HttpMethod.Delete, "/v1/sources/x");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        await (await client.SendAsync(request)).ShouldBeProblem(401);
        var put = new HttpRequestMessage(HttpMethod.Patch, "/v1/sources");
        put.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        await (await client.SendAsync(put)).ShouldBeProblem(405);
    }

    // A date PostgreSQL stores but .NET cannot read (DateOnly ends in 9999) makes the export fail at that row.
    private static async Task AddSourcesAsync(string prefix, int count, bool unreadableLast)
    {
        await using var connection = new NpgsqlConnection(KestrelApi.ConnectionString);
        await connection.OpenAsync();
        await using var insert = new NpgsqlCommand("""
            insert into sources (id, url, title, publisher, seen_on, created_at, updated_at, version, change_txid, change_seq)
            select @prefix || '-' || lpad(n::text, 5, '0'), 'https://example.org/' || n, repeat('titre ', 80), 'Éditeur',
                   case when @bad and n = @count then date '10000-01-01' else date '2024-01-01' end, now(), now(), 1, pg_current_xact_id(), n
            from generate_series(1, @count) as n
            """, connection);
        insert.Parameters.AddWithValue("prefix", prefix);
        insert.Parameters.AddWithValue("count", count);
        insert.Parameters.AddWithValue("bad", unreadableLast);
        await insert.ExecuteNonQueryAsync();
    }

    private static async Task RemoveSourcesAsync(string prefix)
    {
        await using var connection = new NpgsqlConnection(KestrelApi.ConnectionString);
        await connection.OpenAsync();
        await using var delete = new NpgsqlCommand("delete from sources where id like @prefix || '-%'", connection);
        delete.Parameters.AddWithValue("prefix", prefix);
        await delete.ExecuteNonQueryAsync();
    }

    [Test]
    public async Task An_export_that_fails_before_its_first_byte_answers_the_error_status_as_a_problem()
    {
        var prefix = Records.FreshId("panne-tot");
        await AddSourcesAsync(prefix, 1, unreadableLast: true);
        try
        {
            using var client = KestrelApi.Client();
            var request = new HttpRequestMessage(HttpMethod.Get, "/v1/sources");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
            var response = await client.SendAsync(request);
            await response.ShouldBeProblem(500);
        }
        finally
        {
            await RemoveSourcesAsync(prefix);
        }
    }

    [Test]
    public async Task An_export_that_fails_midway_ends_the_connection_without_completing_the_body()
    {
        var prefix = Records.FreshId("panne-tard");
        await AddSourcesAsync(prefix, 2000, unreadableLast: true);
        try
        {
            using var client = KestrelApi.Client();
            using var response = await client.GetAsync($"/v1/sources?sort=id&format=csv", HttpCompletionOption.ResponseHeadersRead);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the answer had started");
            Assert.ThrowsAsync(Is.InstanceOf<HttpRequestException>().Or.InstanceOf<IOException>(),
                async () => await response.Content.ReadAsByteArrayAsync(), "the client sees a broken body, not a complete one");
        }
        finally
        {
            await RemoveSourcesAsync(prefix);
        }
    }
}
