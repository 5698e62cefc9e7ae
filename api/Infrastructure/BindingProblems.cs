using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Says what was wrong with a request the framework could not bind, from structured data only: the
/// JsonException's path, position and inner exception, the serialiser's own contract of the body type, and
/// the endpoint's parameter metadata. The framework's messages are English prose for developers: they are
/// never parsed, and shown only for a refusal none of these explain (a body over the size limit).
/// </summary>
internal static class BindingProblems
{
    private const string BadRequestType = "https://tools.ietf.org/html/rfc9110#section-15.5.1";

    public static ProblemDetails Describe(HttpContext context, BadHttpRequestException bad)
    {
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge) return RequestLimits.TooLarge(context);
        if (bad.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return Problems.Create(context, bad.StatusCode, "Unsupported Media Type", "The request body must be JSON (Content-Type: application/json).");
        }
        // The exception handler clears the endpoint and the route values; the feature keeps those that failed.
        var failed = context.Features.Get<IExceptionHandlerFeature>();
        var endpoint = failed?.Endpoint ?? context.GetEndpoint();

        if (bad.InnerException is JsonException json) return BodyProblem(context, endpoint, json);

        var parameters = InvalidParameters(context, endpoint, failed?.RouteValues);
        if (parameters.Count > 0)
        {
            return Invalid(context, "One or more fields are invalid.", null, parameters);
        }
        if (bad.StatusCode == StatusCodes.Status400BadRequest && endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType is not null)
        {
            // Every parameter read from the URL is well formed, so what is missing is the body (none, or null).
            const string required = "A JSON request body is required.";
            return Invalid(context, "The request could not be read.", required, new() { ["$"] = [required] });
        }
        // Anything else the server refused to read (a body over the size limit, a truncated upload): its status
        // and the server's own words.
        return bad.StatusCode == StatusCodes.Status400BadRequest
            ? Invalid(context, "The request could not be read.", bad.Message, new() { ["$"] = [bad.Message] })
            : Problems.Create(context, bad.StatusCode, "Request rejected", bad.Message);
    }

    /// <summary>A body that is not well-formed JSON, or whose value at a path does not fit the operation's body type.</summary>
    private static ProblemDetails BodyProblem(HttpContext context, Endpoint? endpoint, JsonException json)
    {
        // "$.point.latitude" -> "point.latitude"; "$.communes[2].name" -> "communes[2].name".
        var field = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "" : json.Path.TrimStart('$').TrimStart('.');
        string message;
        if (json.InnerException is JsonException)
        {
            // The reader failed (System.Text.Json wraps its reader's exception): the text is not JSON at all.
            message = $"The body is not well-formed JSON (line {json.LineNumber + 1}, byte {json.BytePositionInLine + 1}).";
        }
        else
        {
            var options = context.RequestServices.GetRequiredService<IOptions<HttpJsonOptions>>().Value.SerializerOptions;
            var bodyType = endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
            message = bodyType is null ? "The value has the wrong type." : Mismatch(options, options.GetTypeInfo(bodyType), json.Path);
        }
        return Invalid(context, "The request body is not valid JSON for this operation.",
            field.Length == 0 ? "The body could not be read as JSON." : $"The value at '{field}' could not be read.",
            new() { [field.Length == 0 ? "$" : field] = [message] });
    }

    /// <summary>Follows the path down the serialiser's contract of the body: an unknown member, or the type expected there.</summary>
    private static string Mismatch(JsonSerializerOptions options, JsonTypeInfo body, string? path)
    {
        var comparison = options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        JsonTypeInfo? current = body;
        foreach (var segment in JsonPath.Segments(path))
        {
            if (current is null) break;
            if (segment.Index is not null)
            {
                current = current.ElementType is { } element ? options.GetTypeInfo(element) : null;
                continue;
            }
            var member = current.Properties.FirstOrDefault(p => string.Equals(p.Name, segment.Name, comparison));
            if (member is null)
            {
                // Unknown members are refused (UnmappedMemberHandling.Disallow): say which ones the object takes.
                var known = string.Join(", ", current.Properties.Select(p => p.Name).Order(StringComparer.Ordinal));
                return $"Unknown field '{segment.Name}'. This object takes: {known}.";
            }
            current = options.GetTypeInfo(member.PropertyType);
        }
        if (current is { Kind: JsonTypeInfoKind.Object } target && Required(options, target) is { Count: > 0 } required)
        {
            // A wrong value here is either not an object or an object lacking a required member.
            return $"The value must be an object with {Join(required)}.";
        }
        return current is null ? "The value has the wrong type." : $"The value has the wrong type: expected {Expected(current)}.";
    }

    private static List<string> Required(JsonSerializerOptions options, JsonTypeInfo info) => info.Properties
        .Where(p => p.IsRequired || (options.RespectRequiredConstructorParameters && p.AssociatedParameter is { HasDefaultValue: false }))
        .Select(p => p.Name).ToList();

    private static string Join(IReadOnlyList<string> names) =>
        names.Count == 1 ? names[0] : $"{string.Join(", ", names.Take(names.Count - 1))} and {names[^1]}";

    /// <summary>
    /// The URL parameters (route and query) whose value does not parse as the handler's parameter type. The framework
    /// stops at the first; this names every one, with the type it expects.
    /// </summary>
    private static Dictionary<string, string[]> InvalidParameters(HttpContext context, Endpoint? endpoint, RouteValueDictionary? routeValues)
    {
        var invalid = new Dictionary<string, string[]>();
        foreach (var (name, type) in UrlParameters(endpoint))
        {
            string? given = routeValues?.TryGetValue(name, out var routeValue) == true ? Convert.ToString(routeValue, CultureInfo.InvariantCulture)
                : context.Request.Query.TryGetValue(name, out var queryValue) ? queryValue.ToString()
                : null;
            if (given is null || type == typeof(string) || Parses(type, given)) continue;
            invalid[name] = [$"'{given}' is not a valid value for {name}: expected {Expected(type)}."];
        }
        return invalid;
    }

    /// <summary>
    /// The handler's URL parameters parsed from one string, by the name they are bound under; the properties of an
    /// [AsParameters] record (ListParameters) count one by one, named as their [FromQuery] says.
    /// </summary>
    private static IEnumerable<(string Name, Type Type)> UrlParameters(Endpoint? endpoint)
    {
        foreach (var parameter in endpoint?.Metadata.GetOrderedMetadata<IParameterBindingMetadata>() ?? [])
        {
            if (!parameter.HasTryParse) continue;
            var type = parameter.ParameterInfo.ParameterType;
            yield return (parameter.Name, Nullable.GetUnderlyingType(type) ?? type);
        }
        // The binding metadata leaves the record's properties out; the handler's signature has them.
        var records = endpoint?.Metadata.GetMetadata<MethodInfo>()?.GetParameters()
            .Where(p => p.GetCustomAttribute<AsParametersAttribute>() is not null) ?? [];
        foreach (var property in records.SelectMany(r => r.ParameterType.GetProperties(BindingFlags.Public | BindingFlags.Instance)))
        {
            var name = property.GetCustomAttribute<Microsoft.AspNetCore.Mvc.FromQueryAttribute>()?.Name ?? property.Name;
            yield return (name, Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType);
        }
    }

    /// <summary>The parameter type's own TryParse, as the framework calls it (invariant culture).</summary>
    private static bool Parses(Type type, string value)
    {
        if (type.IsEnum) return Enum.TryParse(type, value, ignoreCase: true, out _);
        var withProvider = type.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static, [typeof(string), typeof(IFormatProvider), type.MakeByRefType()]);
        if (withProvider is not null) return (bool)withProvider.Invoke(null, [value, CultureInfo.InvariantCulture, null])!;
        var plain = type.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static, [typeof(string), type.MakeByRefType()]);
        return plain is null || (bool)plain.Invoke(null, [value, null])!;
    }

    private static string Expected(JsonTypeInfo info) => info.Kind switch
    {
        JsonTypeInfoKind.Enumerable => "an array",
        JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "an object",
        _ => Expected(info.Type),
    };

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "a string";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(int) || type == typeof(long)) return "an integer";
        if (type == typeof(double) || type == typeof(decimal) || type == typeof(float)) return "a number";
        if (type == typeof(DateOnly)) return "a date (YYYY-MM-DD)";
        if (type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Rfc3339DateTime)) return "a date-time (RFC 3339)";
        if (type == typeof(Guid)) return "a UUID";
        if (type.IsEnum) return "one of: " + string.Join(", ", Enum.GetNames(type));
        return "a value of another type";
    }

    private static HttpValidationProblemDetails Invalid(HttpContext context, string title, string? detail, Dictionary<string, string[]> errors)
    {
        var problem = new HttpValidationProblemDetails(errors)
        {
            Type = BadRequestType,
            Title = title,
            Status = StatusCodes.Status400BadRequest,
            Detail = detail,
            Instance = context.Request.Path,
        };
        problem.Extensions["traceId"] = Problems.TraceId(context);
        return problem;
    }

    /// <summary>The steps of a System.Text.Json path: $.name, $['odd name'], [index].</summary>
    private static class JsonPath
    {
        public readonly record struct Segment(string? Name, int? Index);

        public static IEnumerable<Segment> Segments(string? path)
        {
            if (string.IsNullOrEmpty(path)) yield break;
            var i = path[0] == '$' ? 1 : 0;
            while (i < path.Length)
            {
                if (path[i] == '.')
                {
                    var end = path.IndexOfAny(['.', '['], i + 1);
                    if (end < 0) end = path.Length;
                    yield return new Segment(path[(i + 1)..end], null);
                    i = end;
                }
                else if (path.AsSpan(i).StartsWith("['"))
                {
                    var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                    if (end < 0) yield break;
                    yield return new Segment(path[(i + 2)..end], null);
                    i = end + 2;
                }
                else if (path[i] == '[')
                {
                    var end = path.IndexOf(']', i);
                    if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)) yield break;
                    yield return new Segment(null, index);
                    i = end + 1;
                }
                else yield break;
            }
        }
    }
}
