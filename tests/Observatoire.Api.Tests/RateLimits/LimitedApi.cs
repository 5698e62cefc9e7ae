using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Observatoire.Api.Tests.RateLimits;

/// <summary>
/// The API on Kestrel at a random port of 127.0.0.1 (a real client address, a trusted proxy for X-Forwarded-For)
/// with the given settings, typically tiny budgets in a long window so that no test straddles two windows, and
/// counters of its own (RateLimits:Scope) unless the settings name a scope.
/// </summary>
public sealed class LimitedApi : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;
    private readonly Uri _address;

    private LimitedApi(WebApplicationFactory<Program> factory)
    {
        _factory = factory;
        _address = new Uri(factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    public static LimitedApi Start(string connectionString, params (string Key, string Value)[] settings)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing")
                .UseSetting("urls", "http://127.0.0.1:0")
                .UseSetting("ConnectionStrings:Observatoire", connectionString)
                .UseSetting("Auth:BootstrapKey", TestApi.ApiKey)
                .UseSetting("RateLimits:WindowSeconds", "3600")
                // Counters are shared through the database by scope: each API gets fresh ones unless a test shares a scope.
                .UseSetting("RateLimits:Scope", "test-" + Guid.NewGuid());
            foreach (var (key, value) in settings) web.UseSetting(key, value);
        });
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        return new LimitedApi(factory);
    }

    public IServiceProvider Services => _factory.Services;

    /// <summary>A client whose every answer is checked against the OpenAPI document.</summary>
    public HttpClient Client(string? key = null, string? forwardedFor = null, bool checkContract = true)
    {
        HttpMessageHandler handler = new SocketsHttpHandler { AllowAutoRedirect = false };
        if (checkContract) handler = new ContractCheckingHandler(() => TestApi.Contract) { InnerHandler = handler };
        var client = new HttpClient(handler) { BaseAddress = _address, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        if (forwardedFor is not null) client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        return client;
    }

    /// <summary>Registers one more valid API key and returns it.</summary>
    public static async Task<string> NewKeyAsync(string connectionString)
    {
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var insert = new NpgsqlCommand("insert into api_keys (name, key_hash) values (@name, @hash)", connection);
        insert.Parameters.AddWithValue("name", "rate-limit-test-" + key[..8]);
        insert.Parameters.AddWithValue("hash", SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        await insert.ExecuteNonQueryAsync();
        return key;
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}
