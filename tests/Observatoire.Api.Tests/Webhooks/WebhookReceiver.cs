using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StandardWebhooks;

namespace Observatoire.Api.Tests.Webhooks;

/// <summary>One notification as the receiver got it, and whether its signature verified (Standard Webhooks library).</summary>
public sealed record Received(string MessageId, string Timestamp, string Signature, string Body, bool Verified, int AnsweredStatus)
{
    public JsonNode Json => JsonNode.Parse(Body)!;

    public IEnumerable<string> Ids => Json["data"]!["changes"]!.AsArray().Select(c => (string)c!["id"]!);
}

/// <summary>
/// A partner's endpoint: a small Kestrel server on 127.0.0.1 (random port) that records every notification, checks
/// its signature with an independent Standard Webhooks implementation, and answers what <see cref="Answer"/> says.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _received = new();
    private string _secret = "";

    /// <summary>The status answered to each request (200 unless told otherwise).</summary>
    public Func<Received, int> Answer { get; set; } = _ => 200;

    private WebhookReceiver(WebApplication app) => _app = app;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            bool verified;
            try
            {
                new StandardWebhook(receiver._secret).Verify(body, context.Request.Headers);
                verified = true;
            }
            catch (Exception)
            {
                verified = false;
            }
            var received = new Received(context.Request.Headers["webhook-id"].ToString(), context.Request.Headers["webhook-timestamp"].ToString(),
                context.Request.Headers["webhook-signature"].ToString(), body, verified, 0);
            var status = receiver.Answer(received);
            receiver._received.Enqueue(received with { AnsweredStatus = status });
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        return receiver;
    }

    public int Port => new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

    public string Url => $"http://127.0.0.1:{Port}/hook";

    /// <summary>The secret the endpoint was registered with, for verifying the signatures.</summary>
    public void UseSecret(string secret) => _secret = secret;

    public IReadOnlyList<Received> All => [.. _received];

    public IReadOnlyList<Received> Accepted => [.. _received.Where(r => r.AnsweredStatus is >= 200 and < 300)];

    /// <summary>Waits until the accepted notifications mention every id given (or fails after the timeout).</summary>
    public async Task<IReadOnlyList<Received>> WaitForIds(IEnumerable<string> ids, TimeSpan? timeout = null)
    {
        var wanted = ids.ToHashSet();
        var limit = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < limit)
        {
            var accepted = Accepted;
            if (wanted.IsSubsetOf(accepted.SelectMany(r => r.Ids))) return accepted;
            await Task.Delay(50);
        }
        Assert.Fail($"The receiver did not get every id ({string.Join(", ", wanted)}) within the time; it got: {string.Join(" | ", All.Select(r => r.Body))}");
        return [];
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
