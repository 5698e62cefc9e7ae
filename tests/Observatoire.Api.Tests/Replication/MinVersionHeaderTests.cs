using System.Net;

namespace Observatoire.Api.Tests.Replication;

/// <summary>The read-your-writes header on one server: writes answer their version, reads check the header they carry.</summary>
public sealed class MinVersionHeaderTests
{
    [Test]
    public async Task A_write_answers_its_data_version_and_a_read_carrying_it_sees_the_write()
    {
        using var writer = TestApi.Writer();
        var created = await writer.PostJson("/v1/sources", Records.Source());
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var version = long.Parse(created.Headers.GetValues("Observatoire-Min-Version").Single(), System.Globalization.CultureInfo.InvariantCulture);
        var committed = await TestApi.Database.ScalarAsync<long>("select version from data_version");
        Assert.That(version, Is.InRange(1, committed));

        using var reader = TestApi.Factory.CreateClient();
        using var read = new HttpRequestMessage(HttpMethod.Get, created.Headers.Location);
        read.Headers.Add("Observatoire-Min-Version", version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.That((await reader.SendAsync(read)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        (await writer.DeleteAsync(created.Headers.Location)).EnsureSuccessStatusCode();
    }

    [TestCase("-1")]
    [TestCase("v12")]
    [TestCase("99999999999999999999")]
    public async Task A_read_whose_min_version_is_not_a_data_version_is_a_400_problem(string value)
    {
        using var client = TestApi.Factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/territories?limit=1");
        request.Headers.TryAddWithoutValidation("Observatoire-Min-Version", value);
        var body = await (await client.SendAsync(request)).ShouldBeProblem(400);
        Assert.That((string?)body["detail"], Does.Contain("Observatoire-Min-Version"));
    }
}
