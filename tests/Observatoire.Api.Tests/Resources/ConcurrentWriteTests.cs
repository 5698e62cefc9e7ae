using Npgsql;

namespace Observatoire.Api.Tests.Resources;

public sealed class ConcurrentWriteTests
{
    [Test]
    public async Task A_referenced_record_deleted_while_a_write_checks_it_makes_the_write_a_409_that_writes_nothing()
    {
        using var writer = TestApi.Writer();
        var actorId = Records.FreshId("org");
        (await writer.PostJson("/v1/actors", Records.Organisation(id: actorId))).EnsureSuccessStatusCode();

        // Another transaction deletes the actor and holds its row lock: the API's reference check still sees the
        // actor, then its insert waits on that lock, and the foreign key refuses the link once the delete commits.
        await using var connection = new NpgsqlConnection(TestApi.Database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var delete = new NpgsqlCommand("delete from actors where id = $1", connection, transaction))
        {
            delete.Parameters.AddWithValue(actorId);
            Assert.That(await delete.ExecuteNonQueryAsync(), Is.EqualTo(1));
        }

        var resourceId = Records.FreshId("resource");
        var write = writer.PostJson("/v1/resources", Records.Resource("2018-ti2707", actorIds: [actorId], id: resourceId));
        await WaitUntilBlocked(actorId);
        await transaction.CommitAsync();

        var response = await write;
        var body = await response.ShouldBeProblem(409);
        Assert.That((string?)body["detail"], Does.Contain("Nothing was written"));
        await (await TestApi.Anonymous().GetAsync($"/v1/resources/{resourceId}")).ShouldBeProblem(404);
    }

    // The API's insert is waiting on a lock held by the test's transaction.
    private static async Task WaitUntilBlocked(string actorId)
    {
        for (var i = 0; i < 200; i++)
        {
            var waiting = await TestApi.Database.ScalarAsync<long>(
                "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()");
            if (waiting > 0) return;
            await Task.Delay(25);
        }
        Assert.Fail($"The write referring to {actorId} never waited on the deleting transaction.");
    }
}
