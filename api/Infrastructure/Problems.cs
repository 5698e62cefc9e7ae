using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Observatoire.Api.Infrastructure;

/// <summary>Every error is an RFC 9457 problem (application/problem+json) with the request's trace id.</summary>
public static partial class Problems
{
    public static IServiceCollection AddObservatoireProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            context.ProblemDetails.Extensions["traceId"] = Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<ExceptionToProblem>();
        // Binding failures (malformed JSON, wrong types, wrong content type) throw, so that the handler below
        // can say what was wrong instead of answering an empty 400.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    public static NotFoundProblem NotFound(HttpContext context, string detail) =>
        new(Create(context, StatusCodes.Status404NotFound, "Not Found", detail));

    public static ConflictProblem Conflict(HttpContext context, string detail, IDictionary<string, object?>? extensions = null) =>
        new(Create(context, StatusCodes.Status409Conflict, "Conflict", detail, extensions));

    public static PreconditionFailedProblem PreconditionFailed(HttpContext context, string detail) =>
        new(Create(context, StatusCodes.Status412PreconditionFailed, "Precondition Failed", detail));

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

    private static string TraceId(HttpContext context) => Activity.Current?.Id ?? context.TraceIdentifier;

    // Section numbers of RFC 9110 §15.5 (4xx) and §15.6 (5xx).
    private static int ReasonIndex(int status) => status switch
    {
        400 => 1, 401 => 2, 403 => 4, 404 => 5, 405 => 6, 406 => 7, 409 => 10, 412 => 13, 415 => 16, 422 => 21,
        500 => 1, 503 => 4, _ => 1,
    };

    /// <summary>Turns binding failures into 4xx problems and anything unexpected into a 500 without a stack trace.</summary>
    [GeneratedRegex("^Failed to bind parameter \"[^\"]* (?<name>[A-Za-z0-9_]+)\" from \"(?<value>.*)\"\\.$")]
    private static partial Regex ParameterBinding();

    private sealed class ExceptionToProblem(IProblemDetailsService problems, IHostEnvironment environment, ILogger<ExceptionToProblem> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
        {
            ProblemDetails problem;
            if (exception is BadHttpRequestException bad)
            {
                problem = BindingProblem(context, bad);
            }
            else if (exception is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.ForeignKeyViolation or Npgsql.PostgresErrorCodes.UniqueViolation
                         or Npgsql.PostgresErrorCodes.SerializationFailure or Npgsql.PostgresErrorCodes.DeadlockDetected } race)
            {
                // The checks before a write passed, then a concurrent write changed what they checked (a referenced
                // record deleted, the same id taken): nothing was written; the client may retry.
                logger.LogInformation("Write refused by the database ({SqlState}, {Constraint}) after a concurrent change", race.SqlState, race.ConstraintName);
                problem = Create(context, StatusCodes.Status409Conflict, "Conflict",
                    "A concurrent change conflicts with this request (a record it refers to was deleted, or the same key was taken meanwhile). Nothing was written; read the records again and retry.");
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

        private static ProblemDetails BindingProblem(HttpContext context, BadHttpRequestException bad)
        {
            var status = bad.StatusCode;
            if (status == StatusCodes.Status415UnsupportedMediaType)
            {
                return Create(context, status, "Unsupported Media Type", "The request body must be JSON (Content-Type: application/json).");
            }

            if (bad.InnerException is JsonException json)
            {
                var field = JsonPathToField(json.Path);
                var message = json.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0];
                var problem = new HttpValidationProblemDetails(new Dictionary<string, string[]>
                {
                    [field.Length == 0 ? "$" : field] = [Friendly(context, field, message)],
                })
                {
                    Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                    Title = "The request body is not valid JSON for this operation.",
                    Status = StatusCodes.Status400BadRequest,
                    Detail = field.Length == 0 ? "The body could not be read as JSON." : $"The value at '{field}' could not be read.",
                    Instance = context.Request.Path,
                };
                problem.Extensions["traceId"] = TraceId(context);
                return problem;
            }

            if (ParameterBinding().Match(bad.Message) is { Success: true } binding)
            {
                // A property of an [AsParameters] record (ListParameters) is named as C# names it; the query, in camelCase.
                var name = System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(binding.Groups["name"].Value);
                var problem = new HttpValidationProblemDetails(new Dictionary<string, string[]>
                {
                    [name] = [$"'{binding.Groups["value"].Value}' is not a valid value for {name}."],
                })
                {
                    Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                    Title = "One or more fields are invalid.",
                    Status = StatusCodes.Status400BadRequest,
                    Instance = context.Request.Path,
                };
                problem.Extensions["traceId"] = TraceId(context);
                return problem;
            }

            // Any other unreadable request (no body, for one) is still a 400 that names what was wrong.
            var reason = bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase) && bad.Message.Contains("empty", StringComparison.OrdinalIgnoreCase)
                ? "A JSON request body is required."
                : bad.Message;
            if (status != StatusCodes.Status400BadRequest) return Create(context, status, "Request rejected", reason);
            var invalid = new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["$"] = [reason] })
            {
                Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                Title = "The request could not be read.",
                Status = StatusCodes.Status400BadRequest,
                Detail = reason,
                Instance = context.Request.Path,
            };
            invalid.Extensions["traceId"] = TraceId(context);
            return invalid;
        }

        // "$.point.latitude" -> "point.latitude"; "$.communes[2].name" -> "communes[2].name".
        private static string JsonPathToField(string? path) =>
            string.IsNullOrEmpty(path) || path == "$" ? "" : path.TrimStart('$').TrimStart('.');

        private static string Friendly(HttpContext context, string field, string message)
        {
            if (!message.StartsWith("The JSON value could not be converted to ", StringComparison.Ordinal)) return message;
            // The exception handler clears the endpoint; the feature keeps the one that failed.
            var endpoint = context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint();
            var requestType = endpoint?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.RequestType;
            var expected = ExpectedType(requestType is null ? null : MemberType(requestType, field));
            return expected is null ? "The value has the wrong type." : $"The value has the wrong type: expected {expected}.";
        }

        // Walks "point.latitude" or "communes[0].name" down the request type to the member's type.
        private static Type? MemberType(Type type, string field)
        {
            Type? current = type;
            foreach (var segment in field.Split('.', StringSplitOptions.RemoveEmptyEntries))
            {
                var name = segment.Split('[')[0];
                var property = current?.GetProperties().FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
                if (property is null) return null;
                current = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                if (segment.Contains('[')) current = ElementType(current);
            }
            return current;
        }

        private static Type? ElementType(Type type) =>
            type.IsArray ? type.GetElementType() : type.GetInterfaces().Append(type)
                .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

        private static string? ExpectedType(Type? type)
        {
            if (type is null) return null;
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (type == typeof(string)) return "a string";
            if (type == typeof(bool)) return "true or false";
            if (type == typeof(int) || type == typeof(long)) return "an integer";
            if (type == typeof(double) || type == typeof(decimal) || type == typeof(float)) return "a number";
            if (type == typeof(DateOnly)) return "a date (YYYY-MM-DD)";
            if (type == typeof(DateTime) || type == typeof(DateTimeOffset)) return "a date-time (RFC 3339)";
            if (ElementType(type) is not null) return "an array";
            return "an object";
        }
    }
}
