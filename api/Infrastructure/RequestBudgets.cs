using System.Globalization;
using Microsoft.AspNetCore.Http.Timeouts;

namespace Observatoire.Api.Infrastructure;

/// <summary>The RequestBudgets:* settings: how long a request, an export's database work and an idle connection may last.</summary>
public sealed class RequestBudgetSettings
{
    public const string Section = "RequestBudgets";

    /// <summary>A request that has not answered within this many seconds ends with a 503 problem.</summary>
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>How long an export may hold its database connection (its first byte is due within <see cref="TimeoutSeconds"/>).</summary>
    public int ExportSeconds { get; set; } = 300;

    /// <summary>Exports whose rows are read from the database at the same time; others wait in a short queue, then 503.</summary>
    public int ConcurrentExports { get; set; } = 4;

    public int ExportQueue { get; set; } = 8;

    /// <summary>Disk the exports waiting for slow clients may use together; beyond it, a new export is a 503.</summary>
    public int SpoolMegabytes { get; set; } = 4096;

    /// <summary>Seconds an idle keep-alive connection stays open.</summary>
    public int KeepAliveSeconds { get; set; } = 30;

    /// <summary>Open connections Kestrel accepts at once (none: unlimited).</summary>
    public long? MaxConcurrentConnections { get; set; }
}

/// <summary>
/// Time budgets (docs/decisions/0022): a request past RequestBudgets:TimeoutSeconds is cancelled (its token, passed
/// to every query, cancels the statement) and answered 503 problem+json with Retry-After, by ASP.NET Core's request
/// timeouts. Exports leave that budget once their first byte is ready (see ExportSpool). Kestrel closes idle
/// keep-alive connections after KeepAliveSeconds.
/// </summary>
public static class RequestBudgets
{
    public const int RetryAfterSeconds = 5;

    public static WebApplicationBuilder AddObservatoireRequestBudgets(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(RequestBudgetSettings.Section).Get<RequestBudgetSettings>() ?? new RequestBudgetSettings();
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<ExportSlots>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(settings.KeepAliveSeconds);
            kestrel.Limits.MaxConcurrentConnections = settings.MaxConcurrentConnections;
        });
        builder.Services.AddRequestTimeouts(options => options.DefaultPolicy = new RequestTimeoutPolicy
        {
            Timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds),
            TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
            WriteTimeoutResponse = context => Unavailable(context,
                $"The request did not finish within its time budget of {settings.TimeoutSeconds.ToString(CultureInfo.InvariantCulture)} s."),
        });
        return builder;
    }

    public static WebApplication UseObservatoireRequestBudgets(this WebApplication app)
    {
        app.UseRequestTimeouts();
        return app;
    }

    /// <summary>A 503 problem with Retry-After, for a request that may succeed a little later.</summary>
    public static Task Unavailable(HttpContext context, string detail)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(Problems.Create(context, StatusCodes.Status503ServiceUnavailable, "Service Unavailable", detail)).ExecuteAsync(context);
    }
}
