using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Health;

public static class HealthApi
{
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

    public static async Task<Results<Ok<HealthResponse>, UnavailableProblem>> Ready(
        HttpContext context, NpgsqlDataSource db, ILogger<HealthResponse> logger, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var connection = await db.OpenConnectionAsync(timeout.Token);
            await connection.ExecuteScalarAsync<int>(new CommandDefinition("select 1", cancellationToken: timeout.Token));
            return TypedResults.Ok(Healthy);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            logger.LogWarning(e, "Readiness check failed");
            return new UnavailableProblem(Problems.Create(context, StatusCodes.Status503ServiceUnavailable, "Service Unavailable", "The database does not answer."));
        }
    }
}
