using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Observatoire.Api.Infrastructure;

/// <summary>Every error is an RFC 9457 problem (application/problem+json) with the request's trace id.</summary>
public static class Problems
{
    public static IServiceCollection AddObservatoireProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            context.ProblemDetails.Extensions["traceId"] = Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
        });
        // After the default writer, which writes only when the request accepts JSON: an error asked for as CSV or
        // iCalendar is still a problem, never an empty answer.
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonWhateverAccept>();
        services.AddExceptionHandler<ExceptionToProblem>();
        // Binding failures (malformed JSON, wrong types, wrong content type) throw, so that the handler below
        // can say what was wrong instead of answering an empty 400.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>The detail of every 503 a database fault causes (the Retry-After header gives the delay).</summary>
    public const string DatabaseUnavailable =
        "The database is unavailable for a moment (unreachable, restarting, overloaded or over its time budget). " +
        "The request may not have been applied: retry after the Retry-After delay (seconds).";

    public static NotFoundProblem NotFound(HttpContext context, string detail) =>
        new(Create(context, StatusCodes.Status404NotFound, "Not Found", detail));

    /// <summary>The 404 of an id that no record of the collection has; every collection words it the same way.</summary>
    public static NotFoundProblem NoRecord(HttpContext context, string noun, string id) =>
        NotFound(context, $"No {noun} has the id '{id}'.");

    public static ConflictProblem Conflict(HttpContext context, string detail, IDictionary<string, object?>? extensions = null) =>
        new(Create(context, StatusCodes.Status409Conflict, "Conflict", detail, extensions));

    public static ValidationProblem Validation(HttpContext context, IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.", instance: context.Request.Path,
            extensions: new Dictionary<string, object?> { ["traceId"] = TraceId(context) });

    public static ValidationProblem Validation(HttpContext context, string field, string message) =>
        Validation(context, new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemDetails Create(HttpContext context, int status, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails
        {
            Type = $"https://tools.ietf.org/html/rfc9110#section-15.{(status >= 500 ? 6 : 5)}.{ReasonIndex(status)}",
            Title = title,
            Status = status,
            Detail = detail,
            Instance = context.Request.Path,
        };
        problem.Extensions["traceId"] = TraceId(context);
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions) problem.Extensions[key] = value;
        }
        return problem;
    }

    internal static string TraceId(HttpContext context) => Activity.Current?.Id ?? context.TraceIdentifier;

    // Section numbers of RFC 9110 §15.5 (4xx) and §15.6 (5xx).
    private static int ReasonIndex(int status) => status switch
    {
        400 => 1, 401 => 2, 403 => 4, 404 => 5, 405 => 6, 406 => 7, 409 => 10, 413 => 14, 414 => 15, 415 => 16, 422 => 21,
        500 => 1, 503 => 4, _ => 1,
    };

    /// <summary>
    /// Writes the problem as application/problem+json whatever the request's Accept says, with the same members as
    /// the default writer (type and title from the status when missing, instance and traceId).
    /// </summary>
    private sealed class ProblemJsonWhateverAccept(IOptions<ProblemDetailsOptions> options, IOptions<JsonOptions> json) : IProblemDetailsWriter
    {
        public bool CanWrite(ProblemDetailsContext context) => true;

        public ValueTask WriteAsync(ProblemDetailsContext context)
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ??= context.HttpContext.Response.StatusCode;
            problem.Type ??= $"https://tools.ietf.org/html/rfc9110#section-15.{(status >= 500 ? 6 : 5)}.{ReasonIndex(status)}";
            problem.Title ??= ReasonPhrases.GetReasonPhrase(status);
            options.Value.CustomizeProblemDetails?.Invoke(context);
            var serializer = json.Value.SerializerOptions;
            return new ValueTask(context.HttpContext.Response.WriteAsJsonAsync(problem, serializer.GetTypeInfo(problem.GetType()), OpenApi.ProblemContentType));
        }
    }

    /// <summary>
    /// Turns binding failures into 4xx problems, the database being unavailable (down, restarting, out of
    /// connections, over a time budget, full…) into a 503 with Retry-After, and anything unexpected into a 500
    /// without a stack trace.
    /// </summary>
    private sealed class ExceptionToProblem(
        IProblemDetailsService problems, IHostEnvironment environment, Npgsql.NpgsqlDataSource dataSource, ILogger<ExceptionToProblem> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
        {
            ProblemDetails problem;
            if (exception is BadHttpRequestException bad)
            {
                problem = BindingProblems.Describe(context, bad);
            }
            else if (exception is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.ForeignKeyViolation or Npgsql.PostgresErrorCodes.UniqueViolation } race)
            {
                // The checks before a write passed, then a concurrent write changed what they checked (a referenced
                // record deleted, the same id taken): nothing was written; the client may retry.
                logger.LogInformation("Write refused by the database ({SqlState}, {Constraint}) after a concurrent change", race.SqlState, race.ConstraintName);
                problem = Create(context, StatusCodes.Status409Conflict, "Conflict",
                    "A concurrent change conflicts with this request (a record it refers to was deleted, or the same key was taken meanwhile). Nothing was written; read the records again and retry.");
            }
            else if (DatabaseFaults.RetryAfterSeconds(exception) is { } seconds)
            {
                problem = Unavailable(context, exception, seconds);
            }
            else
            {
                logger.LogError(exception, "Unhandled exception on {Method} {Path}", context.Request.Method, context.Request.Path);
                problem = Create(context, StatusCodes.Status500InternalServerError, "Internal Server Error",
                    environment.IsDevelopment() ? exception.ToString() : "An unexpected error occurred. Quote the traceId when reporting it.");
            }

            context.Response.StatusCode = problem.Status!.Value;
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
        }

        private ProblemDetails Unavailable(HttpContext context, Exception exception, int seconds)
        {
            logger.LogWarning("Database unavailable on {Method} {Path}: {Reason}", context.Request.Method, context.Request.Path,
                exception is Npgsql.PostgresException p ? $"{p.SqlState} {p.MessageText}" : exception.InnerException?.Message ?? exception.Message);
            // Idle pooled connections to a server that went away are dead too: drop them now rather than fail
            // one request per connection once the server is back.
            if (DatabaseFaults.BrokeConnection(exception)) dataSource.Clear();
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Create(context, StatusCodes.Status503ServiceUnavailable, "Service Unavailable", DatabaseUnavailable);
        }
    }
}
