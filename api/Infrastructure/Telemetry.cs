using System.Reflection;
using Microsoft.Extensions.Logging.Console;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// What operators see of a running API. Off unless configured: with an OTLP endpoint (the standard
/// OTEL_EXPORTER_OTLP_ENDPOINT, or Telemetry:OtlpEndpoint), traces, metrics and logs are exported over OTLP; with
/// Logging:Format=json the console writes one JSON object a line, carrying the trace and span ids.
/// </summary>
public static class Telemetry
{
    public const string ServiceName = "observatoire-api";
    /// <summary>The application's own meter (cache hits, misses, invalidation lag …).</summary>
    public const string MeterName = "Observatoire.Api";
    public const string EndpointKey = "Telemetry:OtlpEndpoint";
    public const string StandardEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string StandardProtocolKey = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string LogFormatKey = "Logging:Format";

    public static IServiceCollection AddObservatoireTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddObservatoireLogFormat(configuration);

        var endpoint = Setting(configuration, EndpointKey) ?? Setting(configuration, StandardEndpointKey);
        if (endpoint is null) return services; // Nothing listens, and nothing is registered: no cost per request.
        // Checked now, so that a bad setting stops the start-up with its name instead of silently exporting nothing.
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
            throw new InvalidOperationException($"{EndpointKey} / {StandardEndpointKey}: '{endpoint}' is not an http(s) URL.");
        var protocol = Setting(configuration, StandardProtocolKey)?.ToLowerInvariant() switch
        {
            null or "grpc" => OtlpExportProtocol.Grpc,
            "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            var other => throw new InvalidOperationException($"{StandardProtocolKey}: '{other}' is not 'grpc' or 'http/protobuf'."),
        };

        var version = typeof(Telemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: version))
            .WithTracing(tracing => tracing
                // Probes would drown the requests that matter; they still count in the request metrics.
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !context.Request.Path.StartsWithSegments("/health"))
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddNpgsqlInstrumentation() // command duration, connection pool use and waits
                .AddMeter("System.Runtime")
                .AddMeter(MeterName))
            // One endpoint for every signal; with http/protobuf the exporter adds /v1/traces, /v1/metrics, /v1/logs.
            .UseOtlpExporter(protocol, baseUrl);
        return services;
    }

    /// <summary>
    /// Logging:Format=json: the console logger writes JSON lines with scopes, so that each line carries the
    /// request's TraceId and SpanId. Otherwise the console keeps the readable default.
    /// </summary>
    private static void AddObservatoireLogFormat(this IServiceCollection services, IConfiguration configuration)
    {
        switch (Setting(configuration, LogFormatKey)?.ToLowerInvariant())
        {
            case null or "text":
                return;
            case "json":
                services.Configure<ConsoleLoggerOptions>(options => options.FormatterName = ConsoleFormatterNames.Json);
                services.Configure<JsonConsoleFormatterOptions>(options =>
                {
                    options.IncludeScopes = true;
                    options.UseUtcTimestamp = true;
                    options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                });
                services.Configure<LoggerFactoryOptions>(options => options.ActivityTrackingOptions =
                    ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
                return;
            case var other:
                throw new InvalidOperationException($"{LogFormatKey}: '{other}' is not 'json' or 'text'.");
        }
    }

    private static string? Setting(IConfiguration configuration, string key) =>
        string.IsNullOrWhiteSpace(configuration[key]) ? null : configuration[key]!.Trim();
}
