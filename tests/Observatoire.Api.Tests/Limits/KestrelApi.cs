using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Observatoire.Api.Tests.Limits;

/// <summary>
/// A second API, served by Kestrel on a free port of 127.0.0.1, for what only a real server does (cutting a chunked
/// body off while it is read, header and request-line sizes, aborting a started answer, the Server header). It has
/// a database of its own without seeds, so that tests may put rows there that would upset other tests, and no
/// configured cursor key: its cursors are signed with the secret its database keeps (deployment_secrets).
/// </summary>
[SetUpFixture]
public sealed class KestrelApi
{
    private static WebApplicationFactory<Program>? _factory;

    public static string ConnectionString { get; private set; } = "";

    public static WebApplicationFactory<Program> Factory => _factory ?? throw new InvalidOperationException("The Kestrel API is not ready.");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        ConnectionString = await TestApi.Database.CreateExtraDatabaseAsync();
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Testing")
            .UseSetting("urls", "http://127.0.0.1:0")
            .UseSetting("ConnectionStrings:Observatoire", ConnectionString)
            .UseSetting("Auth:BootstrapKey", TestApi.ApiKey)
            .UseSetting("Seeds:LoadWhenEmpty", "false"));
        factory.UseKestrel();
        factory.StartServer();
        _factory = factory;
        await Task.CompletedTask;
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_factory is not null) await _factory.DisposeAsync();
    }

    /// <summary>A client of the Kestrel-served API, with the API key when <paramref name="writer"/>.</summary>
    public static HttpClient Client(bool writer = false)
    {
        var client = Factory.CreateClient();
        if (writer) client.DefaultRequestHeaders.Add("X-Api-Key", TestApi.ApiKey);
        return client;
    }
}
