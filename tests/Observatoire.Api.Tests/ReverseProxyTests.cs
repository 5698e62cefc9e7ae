using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Observatoire.Api.Tests;

/// <summary>
/// Swagger UI and the served document work at the address they are loaded from: any host or port (a relative
/// server), and behind a trusted reverse proxy's path prefix (X-Forwarded-Prefix). The proxy cases run the API on
/// Kestrel at 127.0.0.1, so that the remote address the forwarded headers are trusted for is a real one.
/// </summary>
public sealed partial class ReverseProxyTests
{
    private const string Prefix = "/observatoire";

    [TestCase("/openapi/v1.json")]
    [TestCase("/openapi/v1.openapi-3.0.json")]
    public async Task At_the_root_the_served_document_names_a_relative_server(string url)
    {
        using var client = TestApi.Anonymous();
        var document = JsonNode.Parse(await client.GetStringAsync(url))!;
        Assert.That(ServerUrls(document), Is.EqualTo(new[] { "/" }));
    }

    [TestCase(null, null)]
    [TestCase("192.0.2.10, 127.0.0.1", null)]
    [TestCase("192.0.2.10", "127.0.0.0/8")]
    public async Task Behind_a_trusted_proxy_the_document_and_swagger_ui_use_its_path_prefix(string? knownProxies, string? knownNetworks)
    {
        await using var api = Api.Start(knownProxies, knownNetworks);
        using var client = api.ThroughProxy();

        var json = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        var legacy = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.openapi-3.0.json"))!;
        var yaml = await client.GetStringAsync("/openapi/v1.yaml");
        var redirect = await client.GetAsync("/swagger");
        var documentUrl = SwaggerUiDocumentUrl(await client.GetStringAsync("/swagger/index.js"));
        var page = await client.GetAsync("/v1/territories?limit=1");

        Assert.Multiple(() =>
        {
            Assert.That(ServerUrls(json), Is.EqualTo(new[] { Prefix }));
            Assert.That(ServerUrls(legacy), Is.EqualTo(new[] { Prefix }));
            Assert.That(yaml, Does.Contain($"servers:\n  - url: {Prefix}\n"));
            // Relative redirect and document URL: the browser keeps the prefix it loaded the page from.
            Assert.That(redirect.StatusCode, Is.EqualTo(HttpStatusCode.MovedPermanently));
            Assert.That(redirect.Headers.Location?.OriginalString, Is.EqualTo("swagger/index.html"));
            Assert.That(documentUrl, Is.EqualTo("../openapi/v1.json"));
            Assert.That(new Uri(new Uri($"https://proxy.example{Prefix}/swagger/index.html"), documentUrl).AbsolutePath, Is.EqualTo($"{Prefix}/openapi/v1.json"));
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(page.Headers.GetValues("Link").Single(), Does.StartWith($"<{Prefix}/v1/territories?"));
        });
    }

    [Test]
    public async Task Forwarded_headers_from_an_address_that_is_not_a_known_proxy_are_ignored()
    {
        await using var api = Api.Start(knownProxies: "192.0.2.10", knownNetworks: "198.51.100.0/24");
        using var client = api.ThroughProxy();

        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        var page = await client.GetAsync("/v1/territories?limit=1");

        Assert.Multiple(() =>
        {
            Assert.That(ServerUrls(document), Is.EqualTo(new[] { "/" }));
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(page.Headers.GetValues("Link").Single(), Does.StartWith("</v1/territories?"));
        });
    }

    [TestCase("ForwardedHeaders:KnownProxies", "proxy.example")]
    [TestCase("ForwardedHeaders:KnownNetworks", "10.0.0.0")]
    public void An_invalid_proxy_setting_stops_the_start_naming_the_setting(string setting, string value)
    {
        using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Testing")
            .UseSetting("ConnectionStrings:Observatoire", TestApi.Database.ConnectionString)
            .UseSetting(setting, value));

        var error = Assert.Catch(() => factory.CreateClient());
        var messages = string.Join(" | ", Flatten(error!).Select(e => e.Message));
        Assert.That(messages, Does.Contain($"{setting}: '{value}'"));
    }

    private static string[] ServerUrls(JsonNode document) =>
        document["servers"]!.AsArray().Select(server => (string)server!["url"]!).ToArray();

    private static string SwaggerUiDocumentUrl(string indexJs)
    {
        var config = ConfigObject().Match(indexJs);
        Assert.That(config.Success, "Swagger UI's index.js has no configObject.");
        return (string)JsonNode.Parse(config.Groups[1].Value)!["urls"]![0]!["url"]!;
    }

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException) yield return e;
    }

    [GeneratedRegex(@"var configObject = (\{.*?\});\s*$", RegexOptions.Multiline)]
    private static partial Regex ConfigObject();

    /// <summary>The API on Kestrel at a random port of 127.0.0.1, with the given trusted proxies, on the suite's database.</summary>
    private sealed class Api : IAsyncDisposable
    {
        private readonly WebApplicationFactory<Program> _factory;

        private Api(WebApplicationFactory<Program> factory) => _factory = factory;

        public static Api Start(string? knownProxies, string? knownNetworks)
        {
            var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
            {
                web.UseEnvironment("Testing")
                    .UseSetting("urls", "http://127.0.0.1:0")
                    .UseSetting("ConnectionStrings:Observatoire", TestApi.Database.ConnectionString)
                    .UseSetting("Auth:BootstrapKey", TestApi.ApiKey);
                if (knownProxies is not null) web.UseSetting("ForwardedHeaders:KnownProxies", knownProxies);
                if (knownNetworks is not null) web.UseSetting("ForwardedHeaders:KnownNetworks", knownNetworks);
            });
            factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
            factory.StartServer();
            return new Api(factory);
        }

        /// <summary>A client that sends what a reverse proxy serving the API under /observatoire adds.</summary>
        public HttpClient ThroughProxy()
        {
            var address = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(address) };
            client.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");
            client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
            client.DefaultRequestHeaders.Add("X-Forwarded-Host", "proxy.example");
            client.DefaultRequestHeaders.Add("X-Forwarded-Prefix", Prefix);
            return client;
        }

        public ValueTask DisposeAsync() => _factory.DisposeAsync();
    }
}
