using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Observatoire.Api.Tests;

/// <summary>
/// Checks a response against the OpenAPI document: its status must be documented for the operation and
/// its body must match the schema of that status and media type. Objects may not carry undocumented
/// members (problem details excepted: RFC 9457 allows extension members).
/// </summary>
public sealed class ContractValidator
{
    private readonly JsonObject _document;
    private readonly List<(string Template, Regex Pattern, int Parameters)> _paths;
    private readonly Dictionary<string, JsonSchema> _schemas = new();
    private readonly JsonObject _definitions;

    public ContractValidator(string openApiJson)
    {
        _document = JsonNode.Parse(openApiJson)!.AsObject();
        _paths = _document["paths"]!.AsObject()
            .Select(p => (p.Key, new Regex("^" + Regex.Replace(Regex.Escape(p.Key), @"\\\{[^}]+}", "[^/]+") + "$"), p.Key.Count(c => c == '{')))
            .OrderBy(p => p.Item3)
            .ToList();
        _definitions = StrictDefinitions(_document["components"]?["schemas"]?.AsObject());
    }

    /// <summary>Returns what is wrong with the response, or an empty list.</summary>
    public IReadOnlyList<string> Check(string method, string path, int status, string? mediaType, string body)
    {
        var template = _paths.FirstOrDefault(p => p.Pattern.IsMatch(path)).Template;
        if (template is null)
        {
            // Unknown routes: the framework answers; the body must still be a problem.
            return status == 404 ? CheckBody("ProblemDetails", Reference("ProblemDetails"), "application/problem+json", mediaType, body) : [$"{method} {path}: no such path in the document, status {status}"];
        }
        var operation = _document["paths"]![template]![method.ToLowerInvariant()];
        if (operation is null)
        {
            return status == 405 ? CheckBody("ProblemDetails", Reference("ProblemDetails"), "application/problem+json", mediaType, body) : [$"{method} {template}: operation not in the document (status {status})"];
        }
        var responses = operation["responses"]!.AsObject();
        var response = responses[status.ToString()] ?? responses["default"];
        if (response is null)
        {
            return [$"{method} {template}: status {status} is not documented (documented: {string.Join(", ", responses.Select(r => r.Key))})"];
        }
        var content = response["content"]?.AsObject();
        if (content is null || content.Count == 0)
        {
            return body.Length == 0 ? [] : [$"{method} {template} {status}: the document says no body, the response has one"];
        }
        if (mediaType is null || !content.ContainsKey(mediaType))
        {
            return [$"{method} {template} {status}: media type {mediaType ?? "(none)"} is not documented (documented: {string.Join(", ", content.Select(c => c.Key))})"];
        }
        var key = $"{method} {template} {status} {mediaType}";
        return CheckBody(key, content[mediaType]!["schema"]!, mediaType, mediaType, body);
    }

    private IReadOnlyList<string> CheckBody(string key, JsonNode schemaNode, string expectedMediaType, string? mediaType, string body)
    {
        if (mediaType != expectedMediaType) return [$"{key}: media type {mediaType} instead of {expectedMediaType}"];
        if (!mediaType.EndsWith("json", StringComparison.Ordinal)) return [];
        if (!_schemas.TryGetValue(key, out var schema))
        {
            var root = new JsonObject { ["$schema"] = "https://json-schema.org/draft/2020-12/schema", ["$defs"] = _definitions.DeepClone() };
            foreach (var (name, value) in schemaNode.AsObject()) root[name] = value?.DeepClone();
            var text = root.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
            schema = _schemas[key] = JsonSchema.FromText(text);
        }
        JsonElement instance;
        try
        {
            instance = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException e)
        {
            return [$"{key}: the body is not JSON ({e.Message})"];
        }
        var result = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid) return [];
        return (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{key}: {d.InstanceLocation} {e.Key}: {e.Value}"))
            .DefaultIfEmpty($"{key}: the body does not match the schema")
            .ToList();
    }

    private static JsonObject Reference(string component) => new() { ["$ref"] = $"#/components/schemas/{component}" };

    // Test-side strictness: an object schema that lists its properties admits no others.
    private static JsonObject StrictDefinitions(JsonObject? schemas)
    {
        var copy = (JsonObject?)schemas?.DeepClone() ?? [];
        foreach (var (name, schema) in copy)
        {
            if (name.Contains("ProblemDetails", StringComparison.Ordinal)) continue;
            if (schema is JsonObject o && o.ContainsKey("properties") && !o.ContainsKey("additionalProperties")) o["additionalProperties"] = false;
        }
        return copy;
    }
}

/// <summary>Runs every response a test client receives through the <see cref="ContractValidator"/>.</summary>
public sealed class ContractCheckingHandler(Func<ContractValidator> validator) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var path = request.RequestUri!.AbsolutePath;
        if (path.StartsWith("/openapi/", StringComparison.Ordinal) || path.StartsWith("/swagger", StringComparison.Ordinal)) return response;

        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var problems = validator().Check(request.Method.Method, path, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
        if (problems.Count > 0)
        {
            throw new AssertionException($"The response breaks the OpenAPI contract:\n  {string.Join("\n  ", problems)}\nBody: {body}");
        }
        return response;
    }
}
