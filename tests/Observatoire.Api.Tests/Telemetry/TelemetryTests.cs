using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Observatoire.Api.Tests.Telemetry;

public sealed class TelemetryTests
{
    // A W3C trace context sent by the caller: the API's spans and log lines must carry this trace id.
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string TraceParent = $"00-{TraceId}-00f067aa0ba902b7-01";

    [Test]
    public void Without_an_otlp_endpoint_no_tracer_or_meter_provider_is_registered()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TestApi.Factory.Services.GetService<TracerProvider>(), Is.Null);
            Assert.That(TestApi.Factory.Services.GetService<MeterProvider>(), Is.Null);
        });
    }

    [Test]
    public async Task With_an_otlp_endpoint_a_request_is_exported_as_traces_and_metrics_naming_the_service_the_route_and_the_database()
    {
        await using var collector = await OtlpCollector.StartAsync();
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Testing")
            .UseSetting("ConnectionStrings:Observatoire", TestApi.Database.ConnectionString)
            .UseSetting("OTEL_EXPORTER_OTLP_ENDPOINT", collector.Address)
            .UseSetting("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            // The SDK's standard settings, shortened so that exports come within the test's patience.
            .UseSetting("OTEL_BSP_SCHEDULE_DELAY", "100")
            .UseSetting("OTEL_METRIC_EXPORT_INTERVAL", "200"));
        using var client = factory.CreateClient();
        Assert.That((await client.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/territories?limit=1");
        request.Headers.Add("traceparent", TraceParent);

        var response = await client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(factory.Services.GetService<TracerProvider>(), Is.Not.Null);
        var traces = await collector.WaitForAsync("/v1/traces", body =>
            Contains(body, Convert.FromHexString(TraceId)) && Contains(body, "GET /v1/territories"));
        var metrics = await collector.WaitForAsync("/v1/metrics", body =>
            Contains(body, "http.server.request.duration") && Contains(body, "db.client.operation.duration"));
        Assert.Multiple(() =>
        {
            Assert.That(Contains(traces, "observatoire-api"), "service name");
            Assert.That(Contains(traces, "http.route"), "the request's span");
            Assert.That(Contains(traces, "db.query.text"), "a database span");
            Assert.That(Contains(traces, "/health"), Is.False, "probes are not traced");
            Assert.That(Contains(metrics, "observatoire-api"), "service name");
            Assert.That(Contains(metrics, "db.client.connection.count"), "pool use");
        });
    }

    [Test]
    public async Task With_the_json_log_format_every_console_line_is_json_and_a_request_line_carries_the_callers_trace_id()
    {
        var api = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            ArgumentList = { typeof(Program).Assembly.Location, "--urls", "http://127.0.0.1:0" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ConnectionStrings__Observatoire"] = TestApi.Database.ConnectionString,
                ["Logging__Format"] = "json",
                ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
            },
        };
        var lines = new BlockingCollection<string>();
        using var process = new Process { StartInfo = api };
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) lines.Add(line.Data); };
        process.Start();
        process.BeginOutputReadLine();
        var stderr = process.StandardError.ReadToEndAsync();
        var seen = new List<string>();
        try
        {
            var listening = NextLine(lines, seen, json => Text(json, "Category") == "Microsoft.Hosting.Lifetime" &&
                                                          Text(json, "State", "address") is not null);
            var address = Text(listening, "State", "address")!;
            using var client = new HttpClient { BaseAddress = new Uri(address) };
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/territories?limit=1");
            request.Headers.Add("traceparent", TraceParent);
            var response = await client.SendAsync(request);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));

            var finished = NextLine(lines, seen, json => Text(json, "Category") == "Microsoft.AspNetCore.Hosting.Diagnostics" &&
                                                         Text(json, "State", "Path") == "/v1/territories");
            var scopes = finished.GetProperty("Scopes").EnumerateArray().ToList();
            Assert.That(scopes.Any(scope => scope.TryGetProperty("TraceId", out var id) && id.GetString() == TraceId),
                $"a TraceId scope field equal to the caller's: {finished}");
            Assert.That(scopes.Any(scope => scope.TryGetProperty("SpanId", out var id) && id.GetString()?.Length == 16), $"a SpanId: {finished}");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        Assert.That(await stderr, Is.Empty);
    }

    /// <summary>Reads console lines until one matches, failing if any line is not a JSON object or none comes in time.</summary>
    private static JsonElement NextLine(BlockingCollection<string> lines, List<string> seen, Func<JsonElement, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (lines.TryTake(out var line, deadline - DateTime.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero))
        {
            seen.Add(line);
            JsonElement json;
            try
            {
                json = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException)
            {
                throw new AssertionException($"Not a JSON line: {line}");
            }
            Assert.That(json.ValueKind, Is.EqualTo(JsonValueKind.Object), line);
            if (match(json)) return json;
        }
        throw new AssertionException($"No such line in time. Lines so far:\n{string.Join('\n', seen)}");
    }

    private static string? Text(JsonElement json, params string[] path)
    {
        foreach (var name in path)
        {
            if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty(name, out json)) return null;
        }
        return json.ValueKind == JsonValueKind.String ? json.GetString() : null;
    }

    private static bool Contains(byte[] body, string text) => Contains(body, Encoding.UTF8.GetBytes(text));
    private static bool Contains(byte[] body, byte[] part) => body.AsSpan().IndexOf(part) >= 0;

    /// <summary>
    /// A stand-in for an OpenTelemetry collector: a loopback HTTP server on a free port that accepts OTLP/HTTP posts and
    /// keeps their bodies (protobuf, in which names and ids appear as raw bytes). HttpListener rather than Kestrel, so
    /// that the API's tracing, which listens process-wide, does not record the collector's own requests.
    /// </summary>
    private sealed class OtlpCollector : IAsyncDisposable
    {
        private readonly HttpListener _listener;
        private readonly ConcurrentQueue<(string Path, byte[] Body)> _received = new();
        private readonly Task _serving;

        private OtlpCollector(HttpListener listener, string address)
        {
            _listener = listener;
            Address = address;
            _serving = Task.Run(ServeAsync);
        }

        public string Address { get; }

        public static Task<OtlpCollector> StartAsync()
        {
            for (var attempt = 0; ; attempt++)
            {
                var address = $"http://127.0.0.1:{Random.Shared.Next(20000, 60000)}/";
                var listener = new HttpListener { Prefixes = { address } };
                try
                {
                    listener.Start();
                    return Task.FromResult(new OtlpCollector(listener, address));
                }
                catch (HttpListenerException) when (attempt < 20)
                {
                    listener.Close(); // that port is taken: another one
                }
            }
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return; // stopped
                }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                _received.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }

        /// <summary>All bodies posted to the path so far, once together they satisfy the condition (10 s at most).</summary>
        public async Task<byte[]> WaitForAsync(string path, Func<byte[], bool> condition)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                var bodies = _received.Where(r => r.Path == path).SelectMany(r => r.Body).ToArray();
                if (condition(bodies)) return bodies;
                if (DateTime.UtcNow > deadline)
                    throw new AssertionException($"No matching OTLP export to {path} within 10 s; received: " +
                                                 string.Join(", ", _received.Select(r => $"{r.Path} ({r.Body.Length} bytes)")));
                await Task.Delay(50);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            await _serving;
        }
    }
}
