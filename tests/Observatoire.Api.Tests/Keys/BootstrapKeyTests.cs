using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Observatoire.Api.Tests.Keys;

/// <summary>The configured bootstrap key is an admin key; configuring another one revokes it at the next start.</summary>
public sealed class BootstrapKeyTests
{
    private static WebApplicationFactory<Program> Start(string connectionString, string bootstrapKey) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Testing")
            .UseSetting("ConnectionStrings:Observatoire", connectionString)
            .UseSetting("Seeds:LoadWhenEmpty", "false")
            .UseSetting("Auth:BootstrapKey", bootstrapKey));

    private static async Task<HttpStatusCode> ListKeysWith(WebApplicationFactory<Program> api, string key)
    {
        using var client = api.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return (await client.GetAsync("/v1/keys")).StatusCode;
    }

    [Test]
    public async Task Changing_the_bootstrap_key_revokes_the_previous_one()
    {
        var connectionString = await TestApi.Database.CreateExtraDatabaseAsync();
        var first = "first-bootstrap-" + Guid.NewGuid().ToString("N");
        var second = "second-bootstrap-" + Guid.NewGuid().ToString("N");

        await using (var api = Start(connectionString, first))
        {
            Assert.That(await ListKeysWith(api, first), Is.EqualTo(HttpStatusCode.OK), "the bootstrap key is admin");
        }
        await using (var api = Start(connectionString, second))
        {
            Assert.Multiple(async () =>
            {
                Assert.That(await ListKeysWith(api, second), Is.EqualTo(HttpStatusCode.OK));
                Assert.That(await ListKeysWith(api, first), Is.EqualTo(HttpStatusCode.Unauthorized));
            });
        }
        // Back to the first key: a revoked key stays revoked, while the second one is revoked in turn.
        await using (var api = Start(connectionString, first))
        {
            Assert.Multiple(async () =>
            {
                Assert.That(await ListKeysWith(api, first), Is.EqualTo(HttpStatusCode.Unauthorized));
                Assert.That(await ListKeysWith(api, second), Is.EqualTo(HttpStatusCode.Unauthorized));
            });
        }
    }

    [Test]
    public async Task Restarting_with_the_same_bootstrap_key_keeps_it()
    {
        var connectionString = await TestApi.Database.CreateExtraDatabaseAsync();
        var key = "bootstrap-" + Guid.NewGuid().ToString("N");
        await using (var api = Start(connectionString, key)) Assert.That(await ListKeysWith(api, key), Is.EqualTo(HttpStatusCode.OK));
        await using (var api = Start(connectionString, key)) Assert.That(await ListKeysWith(api, key), Is.EqualTo(HttpStatusCode.OK));
    }
}
