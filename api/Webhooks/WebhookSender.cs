using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace Observatoire.Api.Webhooks;

/// <summary>The outcome of one delivery attempt.</summary>
public sealed record SendResult(bool Delivered, int? Status, string? Error, int DurationMs);

/// <summary>
/// Sends one signed notification. Its connections go through <see cref="OutboundAddresses"/> (checked after DNS,
/// on every connection); redirects are not followed (a 3xx is a failure: the registered URL is the one trusted),
/// no proxy is used, the whole attempt has a time limit and at most MaxResponseBytes of the answer are read.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private const int ErrorLength = 300;
    private readonly HttpClient _client;
    private readonly WebhookOptions _options;

    public WebhookSender(WebhookOptions options)
    {
        _options = options;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxResponseHeadersLength = 16,
            ConnectCallback = (context, ct) => OutboundAddresses.ConnectAsync(context.DnsEndPoint, options.AllowPrivateNetworks, ct),
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Observatoire-Webhooks", "1"));
    }

    public async Task<SendResult> SendAsync(string url, string secret, string messageId, string body, CancellationToken ct)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", messageId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSecrets.Sign(secret, messageId, timestamp, body));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(_options.Timeout);
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            var answer = await ReadCappedAsync(response, limit.Token);
            var status = (int)response.StatusCode;
            var delivered = status is >= 200 and < 300;
            var error = delivered ? null : Shorten($"The endpoint answered {status} {response.ReasonPhrase}" +
                (response.Headers.Location is { } location ? $" (redirects are not followed: {location})" : "") +
                (answer.Length > 0 ? $": {answer}" : "."));
            return new SendResult(delivered, status, error, Elapsed(watch));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new SendResult(false, null, $"No answer within {_options.Timeout.TotalSeconds:0.###} s.", Elapsed(watch));
        }
        catch (HttpRequestException e)
        {
            // The address guard's refusal travels as the inner exception of the connection's failure.
            var reason = e.InnerException as WebhookAddressRefusedException;
            return new SendResult(false, null, Shorten(reason?.Message ?? $"The request failed: {e.Message}"), Elapsed(watch));
        }
    }

    // Only the start of an answer is kept (for a failure's reason); a larger one is not read further.
    private async Task<string> ReadCappedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (_options.MaxResponseBytes == 0) return "";
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[_options.MaxResponseBytes];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), ct);
            if (n == 0) break;
            read += n;
        }
        return Encoding.UTF8.GetString(buffer, 0, read).Trim();
    }

    private static string Shorten(string text) => text.Length <= ErrorLength ? text : text[..ErrorLength] + "…";

    private static int Elapsed(Stopwatch watch) => (int)Math.Min(int.MaxValue, watch.ElapsedMilliseconds);

    public void Dispose() => _client.Dispose();
}
