using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Health;

public static class HealthApi
{
    private const string ReadinessTag = "ready";

    /// <summary>
    /// Readiness checks: the process is not stopping and has migrated the database (<see cref="Readiness"/>), and the
    /// database answers <c>select 1</c> within 3 seconds (AspNetCore.HealthChecks.NpgSql).
    /// </summary>
    public static IServiceCollection AddObservatoireHealthChecks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<Readiness>();
        services.AddHostedService<ShutdownDrain>();
        // In-flight requests are bounded by the database budgets (5 s a statement): 20 s leaves them room after the drain.
        services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownDrain.DrainDelay(configuration) + TimeSpan.FromSeconds(20));
        services.AddHealthChecks()
            .AddCheck<Readiness>("state", tags: [ReadinessTag])
            .AddNpgSql(name: "database", tags: [ReadinessTag], timeout: TimeSpan.FromSeconds(3));
        return services;
    }

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Health");
        health.MapGet("/live", Live).WithName("getLiveness").WithSummary("Liveness")
            .WithDescription("Answers 200 while the process serves requests; it does not touch the database.")
            .WithResponseExample(200, Healthy);
        health.MapGet("/ready", Ready).WithName("getReadiness").WithSummary("Readiness")
            .WithDescription("Answers 200 when the database answers, 503 otherwise.")
            .WithResponseExample(200, Healthy);
        return app;
    }

    private static readonly HealthResponse Healthy = new("healthy");

    public static Ok<HealthResponse> Live() => TypedResults.Ok(Healthy);

    // Answered here rather than by MapHealthChecks so that the body, media types and OpenAPI entry stay the
    // documented ones; the service logs each failing check with its exception.
    public static async Task<Results<Ok<HealthResponse>, UnavailableProblem>> Ready(
        HttpContext context, HealthCheckService health, CancellationToken ct)
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains(ReadinessTag), ct);
        if (report.Status == HealthStatus.Healthy) return TypedResults.Ok(Healthy);
        var state = report.Entries.GetValueOrDefault("state");
        var detail = state.Status == HealthStatus.Healthy ? "The database does not answer." : state.Description!;
        return new UnavailableProblem(Problems.Create(context, StatusCodes.Status503ServiceUnavailable, "Service Unavailable", detail));
    }
}
