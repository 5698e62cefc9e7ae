using System.Globalization;
using System.IO.Hashing;
using System.Security.Claims;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Observatoire.Api.Database;

namespace Observatoire.Api.Infrastructure;

/// <summary>The RateLimits:* settings: requests per window and per client, by kind of request.</summary>
public sealed class RateLimitSettings
{
    public const string Section = "RateLimits";

    public bool Enabled { get; set; } = true;
    public int WindowSeconds { get; set; } = 60;
    public int Reads { get; set; } = 1200;
    public int Searches { get; set; } = 300;
    public int Exports { get; set; } = 30;
    public int Writes { get; set; } = 120;
    public int FailedAuthentications { get; set; } = 20;

    /// <summary>Replicas of the same scope on one database share their counters (docs/decisions/0032).</summary>
    public string Scope { get; set; } = "observatoire";

    /// <summary>How often each replica adds its counts to the shared totals and reads them back.</summary>
    public int SyncMilliseconds { get; set; } = 200;
}

/// <summary>A named quota of requests per window and per client: one item of the RateLimit-Policy header.</summary>
public sealed record Budget(string Name, int Quota, int WindowSeconds);

/// <summary>Which counter a request draws from: its budget, its client (a key id or an address), and the window it falls in.</summary>
public readonly record struct BudgetPartition(Budget Budget, string Client, long Window);

/// <summary>
/// Rate limits (docs/decisions/0022): ASP.NET Core's rate limiter with one global partitioned limiter, so that the
/// budget is chosen once, here, from the request (method, q=, format= or Accept) rather than per route. A client is
/// its API key when it presents a valid one, else its address (after UseForwardedHeaders, which believes trusted
/// proxies only). Windows are fixed and keyed into the partition, so that every answer can say when its window ends
/// (RateLimit: t=); each client's windows are offset by a hash of it, so clients do not all refill at once. The
/// counters are shared by the replicas through PostgreSQL (SharedRateCounters, docs/decisions/0032).
/// </summary>
public static partial class RateLimits
{
    private static readonly object PartitionItem = new();
    private static readonly object ClientItem = new();

    public static WebApplicationBuilder AddObservatoireRateLimits(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(RateLimitSettings.Section).Get<RateLimitSettings>() ?? new RateLimitSettings();
        if (settings.SyncMilliseconds < 10 || string.IsNullOrWhiteSpace(settings.Scope))
        {
            throw new InvalidOperationException("The RateLimits settings are not valid: SyncMilliseconds must be at least 10 and Scope must not be empty.");
        }
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(services => new SharedRateCounters(services.GetRequiredService<DatabaseConnections>().RunTime, settings,
            TimeProvider.System, services.GetRequiredService<ILoggerFactory>().CreateLogger<SharedRateCounters>()));
        builder.Services.AddSingleton(services => new ClientBudgets(settings, TimeProvider.System, services.GetRequiredService<SharedRateCounters>()));
        if (settings.Enabled) builder.Services.AddHostedService<SharedRateCounterSync>();
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (rejected, _) => new ValueTask(RejectAsync(rejected.HttpContext));
        });
        builder.Services.AddSingleton<IConfigureOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>>(services =>
            new ConfigureOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>(options =>
                options.GlobalLimiter = services.GetRequiredService<ClientBudgets>().Requests));
        builder.Services.ConfigureSwaggerGen(options => options.OperationFilter<OperationFilter>());
        return builder;
    }

    /// <summary>
    /// Before the key check and the endpoint: the failed-authentication gate, the client's identity, then the
    /// request's budget (RateLimitingMiddleware). Every limited answer carries RateLimit-Policy and RateLimit.
    /// </summary>
    public static WebApplication UseObservatoireRateLimits(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<ClientBudgets>().Settings.Enabled) return app;
        app.Use(IdentifyAsync);
        app.UseRateLimiter();
        return app;
    }

    private static async Task IdentifyAsync(HttpContext context, RequestDelegate next)
    {
        var budgets = context.RequestServices.GetRequiredService<ClientBudgets>();
        var presented = context.Request.Headers.ContainsKey(ApiKeys.HeaderName);
        var attempt = presented || context.GetEndpoint()?.Metadata.GetMetadata<ApiKeyRequiredAttribute>() is not null;
        var address = "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        context.Response.OnStarting(() =>
        {
            budgets.WriteHeaders(context);
            return Task.CompletedTask;
        });

        // Once a client has spent its failed authentications, it is refused before any key is looked up.
        if (attempt && await budgets.FailedAuthenticationsSpentAsync(address, context.RequestAborted))
        {
            context.Items[PartitionItem] = budgets.FailedAuthentications(address);
            await RejectAsync(context);
            return;
        }
        var failed = false;
        if (presented)
        {
            // One query on a connection returned at once; the write policy later reuses this result.
            var result = await context.AuthenticateAsync(ApiKeys.SchemeName);
            if (result.Principal?.FindFirstValue(ClaimTypes.NameIdentifier) is { } id) context.Items[ClientItem] = "key:" + id;
            else failed = result.Failure is not null;
        }
        try
        {
            await next(context);
        }
        finally
        {
            if (failed || (attempt && context.Response.StatusCode == StatusCodes.Status401Unauthorized)) await budgets.SpendFailedAuthenticationAsync(address);
        }
    }

    /// <summary>The 429 problem, with Retry-After: the end of the client's window for this budget.</summary>
    private static Task RejectAsync(HttpContext context)
    {
        var budgets = context.RequestServices.GetRequiredService<ClientBudgets>();
        var partition = budgets.PartitionOf(context);
        var retry = budgets.SecondsLeft(partition);
        var budget = partition.Budget;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
        var problem = Problems.Create(context, StatusCodes.Status429TooManyRequests, "Too Many Requests",
            $"This client has used its {budget.Quota} {Describe(budget.Name)} per {budget.WindowSeconds} s; retry in {retry} s.");
        problem.Type = "https://www.rfc-editor.org/rfc/rfc6585#section-4";
        return TypedResults.Problem(problem).ExecuteAsync(context);
    }

    /// <summary>When the partition's window ends, in Unix milliseconds: the same on every replica.</summary>
    internal static long WindowEndMilliseconds(BudgetPartition partition)
    {
        var window = partition.Budget.WindowSeconds * 1000L;
        return (partition.Window + 1) * window - Offset(partition.Client, window);
    }

    // A hash that every process computes alike (string.GetHashCode is seeded per process).
    private static long Offset(string client, long window) => XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(client)) % window;

    private static string Describe(string budget) => budget switch
    {
        ClientBudgets.FailedAuthenticationsName => "failed authentications",
        _ => budget,
    };

    /// <summary>The counters of every budget, one fixed window per client and budget.</summary>
    public sealed class ClientBudgets : IDisposable
    {
        public const string FailedAuthenticationsName = "failed-auth";
        private readonly TimeProvider _time;
        private readonly SharedRateCounters _counters;
        private readonly Budget _reads, _searches, _exports, _writes, _failedAuthentications;

        public ClientBudgets(RateLimitSettings settings, TimeProvider time, SharedRateCounters counters)
        {
            Settings = settings;
            _time = time;
            var window = settings.WindowSeconds;
            _reads = new("reads", settings.Reads, window);
            _searches = new("searches", settings.Searches, window);
            _exports = new("exports", settings.Exports, window);
            _writes = new("writes", settings.Writes, window);
            _failedAuthentications = new(FailedAuthenticationsName, settings.FailedAuthentications, window);
            // The window is part of the key, so each counter lives one window.
            _counters = counters;
            Requests = _counters.WithTranslatedKey<HttpContext>(PartitionOf, leaveOpen: true);
        }

        public RateLimitSettings Settings { get; }

        /// <summary>The global limiter: each request draws one permit from its own budget.</summary>
        public PartitionedRateLimiter<HttpContext> Requests { get; }

        public BudgetPartition PartitionOf(HttpContext context)
        {
            if (context.Items[PartitionItem] is BudgetPartition known) return known;
            var client = context.Items[ClientItem] as string ?? "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            var partition = Current(Classify(context), client);
            context.Items[PartitionItem] = partition;
            return partition;
        }

        public BudgetPartition FailedAuthentications(string address) => Current(_failedAuthentications, address);

        public async ValueTask<bool> FailedAuthenticationsSpentAsync(string address, CancellationToken ct) =>
            await _counters.AvailableAsync(FailedAuthentications(address), ct) <= 0;

        public ValueTask SpendFailedAuthenticationAsync(string address) => _counters.SpendAsync(FailedAuthentications(address), CancellationToken.None);

        /// <summary>Seconds until the partition's window ends (at least 1).</summary>
        public int SecondsLeft(BudgetPartition partition) =>
            (int)Math.Max(1, Math.Ceiling((WindowEndMilliseconds(partition) - _time.GetUtcNow().ToUnixTimeMilliseconds()) / 1000.0));

        /// <summary>RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers-10, structured fields).</summary>
        public void WriteHeaders(HttpContext context)
        {
            if (context.Items[PartitionItem] is not BudgetPartition partition) return;
            var budget = partition.Budget;
            var remaining = Math.Max(0, _counters.GetStatistics(partition)?.CurrentAvailablePermits ?? 0);
            context.Response.Headers["RateLimit-Policy"] = $"\"{budget.Name}\";q={budget.Quota};w={budget.WindowSeconds}";
            context.Response.Headers["RateLimit"] = $"\"{budget.Name}\";r={remaining};t={SecondsLeft(partition)}";
        }

        private BudgetPartition Current(Budget budget, string client)
        {
            var window = budget.WindowSeconds * 1000L;
            return new(budget, client, (_time.GetUtcNow().ToUnixTimeMilliseconds() + Offset(client, window)) / window);
        }


        /// <summary>Writes, exports (format= or Accept, and dumps), searches (q= or /v1/search), and the other reads.</summary>
        private Budget Classify(HttpContext context)
        {
            var request = context.Request;
            if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method)) return _writes;
            if (IsExport(request)) return _exports;
            if (request.Query.ContainsKey("q") || request.Path.StartsWithSegments("/v1/search")) return _searches;
            return _reads;
        }

        private static bool IsExport(HttpRequest request)
        {
            if (request.Path.Value?.EndsWith(".ics", StringComparison.OrdinalIgnoreCase) == true) return true;
            // Dumps are whole exports of every collection.
            if (request.Path.StartsWithSegments("/v1/dumps")) return true;
            if (request.Query.TryGetValue("format", out var format)) return !string.Equals(format.ToString(), "json", StringComparison.OrdinalIgnoreCase);
            if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted)) return false;
            // As Exports.Negotiate reads it: the preferred type this API knows decides.
            var preferred = accepted.OrderByDescending(m => m.Quality ?? 1).Select(m => m.MediaType.Value?.ToLowerInvariant())
                .FirstOrDefault(m => m is "application/json" or Exports.CsvMediaType or Exports.GeoJsonMediaType or Exports.CalendarMediaType);
            return preferred is Exports.CsvMediaType or Exports.GeoJsonMediaType or Exports.CalendarMediaType;
        }

        // The counters belong to the container.
        public void Dispose() => Requests.Dispose();
    }
}
