using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Observatoire.Api.Tests.Contract;

/// <summary>
/// Finds the changes between a released OpenAPI document and the current one that break a client written against
/// the released one. A request is what the client sends: the server must go on accepting everything it accepted,
/// so narrowing a request is breaking. A response is what the client reads: the server must send nothing the client
/// was not told about, so widening a response is breaking.
/// </summary>
/// <remarks>
/// The rules, by kind:
/// <list type="bullet">
/// <item>Operations: a removed path, a removed method on a path, a changed or removed operationId (generated clients
/// name their methods after it), a security requirement on an operation that had none.</item>
/// <item>Parameters (path parameters are matched by position, header names regardless of case): a removed
/// parameter, an optional parameter that becomes required, a new required parameter, a narrowed schema.</item>
/// <item>Request bodies: a body that becomes required, a removed media type, a new required property or an optional
/// one that becomes required, a property removed where additional properties are not allowed, a narrowed schema.</item>
/// <item>Responses: a removed success (2xx) status, a removed media type on a status both documents declare, a
/// removed property, a required property that becomes optional, a widened schema.</item>
/// <item>Schemas: a type that no longer covers the other side (string to integer is breaking both ways; number to
/// integer narrows a request but is safe in a response, integer to number the reverse), a format likewise (int32
/// and int64, float and double; adding a format narrows, removing one widens), null accepted in a request no
/// longer, null possible in a response now.</item>
/// <item>Enums: a value removed from a request enum is breaking (the server rejects what it accepted). A value
/// added to a response enum is breaking too: clients generated from the contract map enums to closed types, and
/// several generators' deserializers reject an unknown value, failing the whole response; partners who switch
/// on the value have no branch for it. Adding a request enum value or removing a response one is safe. Adding an
/// enum where there was none is a narrowing (request) and removing it a widening (response).</item>
/// <item>oneOf/anyOf: alternatives are paired by referenced schema, else by position; an alternative removed from
/// a request, or added to a response, is breaking. allOf members are merged into one schema first.</item>
/// </list>
/// readOnly properties are skipped in requests and writeOnly ones in responses. Response headers, links, callbacks
/// and webhooks are not compared.
/// </remarks>
public static class BreakingChanges
{
    private enum Direction { Request, Response }

    public static IReadOnlyList<string> Find(OpenApiDocument released, OpenApiDocument current)
    {
        var findings = new List<string>();
        // Two templates that differ only in parameter names are the same URL (an invalid document has both: keep one).
        var currentPaths = (current.Paths ?? [])
            .GroupBy(p => PathSignature(p.Key))
            .ToDictionary(g => g.Key, g => (Template: g.First().Key, Item: g.First().Value));

        foreach (var (template, releasedItem) in released.Paths ?? [])
        {
            if (!currentPaths.TryGetValue(PathSignature(template), out var match))
            {
                var methods = string.Join(", ", (releasedItem.Operations ?? []).Keys.Select(m => m.Method.ToUpperInvariant()));
                findings.Add($"{template}: path removed ({methods})");
                continue;
            }
            foreach (var (method, releasedOperation) in releasedItem.Operations ?? [])
            {
                var where = $"{method.Method.ToUpperInvariant()} {template}";
                if (match.Item.Operations?.TryGetValue(method, out var currentOperation) != true || currentOperation is null)
                {
                    findings.Add($"{where}: operation removed");
                    continue;
                }
                CompareOperation(findings, where,
                    (released, template, releasedItem, releasedOperation),
                    (current, match.Template, match.Item, currentOperation));
            }
        }
        return findings;
    }

    private static void CompareOperation(List<string> findings, string where,
        (OpenApiDocument Document, string Template, IOpenApiPathItem Item, OpenApiOperation Operation) released,
        (OpenApiDocument Document, string Template, IOpenApiPathItem Item, OpenApiOperation Operation) current)
    {
        var (releasedId, currentId) = (released.Operation.OperationId, current.Operation.OperationId);
        if (!string.IsNullOrEmpty(releasedId) && releasedId != currentId)
        {
            findings.Add(string.IsNullOrEmpty(currentId)
                ? $"{where}: operationId '{releasedId}' removed"
                : $"{where}: operationId '{releasedId}' changed to '{currentId}'");
        }

        if (!HasSecurity(released.Operation.Security ?? released.Document.Security) && HasSecurity(current.Operation.Security ?? current.Document.Security))
        {
            findings.Add($"{where}: now requires authentication");
        }

        CompareParameters(findings, where, Parameters(released.Template, released.Item, released.Operation), Parameters(current.Template, current.Item, current.Operation));
        CompareRequestBody(findings, where, released.Operation.RequestBody, current.Operation.RequestBody);
        CompareResponses(findings, where, released.Operation.Responses, current.Operation.Responses);
    }

    private static bool HasSecurity(IList<OpenApiSecurityRequirement>? requirements) =>
        // An empty requirement ({}) in the list means "anonymous is allowed".
        requirements is { Count: > 0 } && requirements.All(r => r.Count > 0);

    // ----- parameters -----

    private sealed record Parameter(string Key, string Label, IOpenApiParameter Value);

    private static Dictionary<string, Parameter> Parameters(string template, IOpenApiPathItem item, OpenApiOperation operation)
    {
        var pathNames = PathParameterNames(template);
        var result = new Dictionary<string, Parameter>();
        // Operation parameters override path-item ones with the same name and location.
        foreach (var parameter in (item.Parameters ?? []).Concat(operation.Parameters ?? []))
        {
            if (parameter.Name is null || parameter.In is null) continue;
            var location = parameter.In.Value;
            var index = pathNames.IndexOf(parameter.Name);
            var key = location switch
            {
                ParameterLocation.Path when index >= 0 => $"path#{index}",
                ParameterLocation.Header => $"header:{parameter.Name.ToLowerInvariant()}",
                _ => $"{LocationName(location)}:{parameter.Name}",
            };
            result[key] = new Parameter(key, $"{LocationName(location)} parameter '{parameter.Name}'", parameter);
        }
        return result;
    }

    private static string LocationName(ParameterLocation location) => location switch
    {
        ParameterLocation.Query => "query",
        ParameterLocation.Header => "header",
        ParameterLocation.Path => "path",
        ParameterLocation.Cookie => "cookie",
        ParameterLocation.QueryString => "querystring",
        _ => location.ToString().ToLowerInvariant(),
    };

    private static void CompareParameters(List<string> findings, string where, Dictionary<string, Parameter> released, Dictionary<string, Parameter> current)
    {
        foreach (var (key, was) in released)
        {
            if (!current.TryGetValue(key, out var now))
            {
                findings.Add($"{where}: {was.Label} removed");
                continue;
            }
            if (!was.Value.Required && now.Value.Required)
            {
                findings.Add($"{where}: {was.Label} became required");
            }
            CompareSchemas(findings, $"{where}: {was.Label}", ParameterSchema(was.Value), ParameterSchema(now.Value), Direction.Request);
        }
        foreach (var (key, now) in current)
        {
            if (!released.ContainsKey(key) && now.Value.Required)
            {
                findings.Add($"{where}: new required {now.Label}");
            }
        }
    }

    private static IOpenApiSchema? ParameterSchema(IOpenApiParameter parameter) =>
        parameter.Schema ?? parameter.Content?.Values.FirstOrDefault()?.Schema;

    // ----- request bodies and responses -----

    private static void CompareRequestBody(List<string> findings, string where, IOpenApiRequestBody? released, IOpenApiRequestBody? current)
    {
        if (current is null) return;
        if (current.Required && released?.Required != true)
        {
            findings.Add(released is null ? $"{where}: new required request body" : $"{where}: request body became required");
        }
        if (released is null) return;
        CompareContent(findings, $"{where}: request body", released.Content, current.Content, Direction.Request);
    }

    private static void CompareResponses(List<string> findings, string where, OpenApiResponses? released, OpenApiResponses? current)
    {
        foreach (var (status, was) in released ?? [])
        {
            var now = CurrentResponse(current, status);
            if (now is null)
            {
                if (status.StartsWith('2')) findings.Add($"{where}: success response {status} removed");
                continue;
            }
            CompareContent(findings, $"{where}: response {status}", was.Content, now.Content, Direction.Response);
        }
    }

    /// <summary>The current response for a released status: the same status, else its range (2XX), else nothing.</summary>
    private static IOpenApiResponse? CurrentResponse(OpenApiResponses? current, string status)
    {
        if (current is null) return null;
        if (current.TryGetValue(status, out var exact)) return exact;
        if (status.Length == 3 && char.IsDigit(status[0]) && current.TryGetValue($"{status[0]}XX", out var range)) return range;
        return null;
    }

    private static void CompareContent(List<string> findings, string where,
        IDictionary<string, IOpenApiMediaType>? released, IDictionary<string, IOpenApiMediaType>? current, Direction direction)
    {
        var now = (current ?? new Dictionary<string, IOpenApiMediaType>())
            .ToDictionary(c => c.Key.ToLowerInvariant(), c => c.Value);
        foreach (var (mediaType, was) in released ?? new Dictionary<string, IOpenApiMediaType>())
        {
            if (!now.TryGetValue(mediaType.ToLowerInvariant(), out var match))
            {
                findings.Add($"{where}: media type '{mediaType}' removed");
                continue;
            }
            CompareSchemas(findings, $"{where} {mediaType}", was.Schema, match.Schema, direction);
        }
    }

    // ----- schemas -----

    private static void CompareSchemas(List<string> findings, string where, IOpenApiSchema? released, IOpenApiSchema? current, Direction direction)
    {
        if (released is null) return; // nothing was promised
        new SchemaComparer(findings, where, direction).Compare(released, current, "");
    }

    private sealed class SchemaComparer(List<string> findings, string where, Direction direction)
    {
        private const int MaxDepth = 64;
        private readonly HashSet<(IOpenApiSchema, IOpenApiSchema)> _visited = new(PairComparer.Instance);

        private void Report(string path, string problem) =>
            findings.Add(path.Length == 0 ? $"{where}: {problem}" : $"{where}: property '{path}' {problem}");

        public void Compare(IOpenApiSchema releasedSchema, IOpenApiSchema? currentSchema, string path, int depth = 0)
        {
            if (depth > MaxDepth) return;
            var released = Resolve(releasedSchema);
            var current = currentSchema is null ? null : Resolve(currentSchema);
            if (released is null) return;
            if (current is null)
            {
                // The current document says nothing about this value any more: anything goes.
                if (direction == Direction.Response) Report(path, "is no longer described");
                return;
            }
            if (!_visited.Add((released, current))) return; // a cycle, or a pair already compared under this root

            var was = View.Of(released);
            var now = View.Of(current);

            CompareTypes(was, now, path);
            CompareNullability(was, now, path);
            CompareEnums(was, now, path);
            CompareProperties(was, now, path, depth);

            if (was.Items is not null) Compare(was.Items, now.Items, path + "[]", depth + 1);
            if (was.AdditionalProperties is not null && now.AdditionalProperties is not null)
            {
                Compare(was.AdditionalProperties, now.AdditionalProperties, path + "{}", depth + 1);
            }
            CompareAlternatives("oneOf", was.OneOf, now.OneOf, path, depth);
            CompareAlternatives("anyOf", was.AnyOf, now.AnyOf, path, depth);
        }

        private void CompareTypes(View was, View now, string path)
        {
            var (wider, narrower) = direction == Direction.Request ? (now, was) : (was, now);
            if (!TypeCovers(wider.Type, narrower.Type))
            {
                Report(path, $"type changed from {TypeName(was.Type)} to {TypeName(now.Type)}");
                return;
            }
            if (!FormatCovers(wider.Format, narrower.Format))
            {
                Report(path, $"format changed from {was.Format ?? "(none)"} to {now.Format ?? "(none)"}");
            }
        }

        private void CompareNullability(View was, View now, string path)
        {
            if (direction == Direction.Request && was.Nullable && !now.Nullable) Report(path, "no longer accepts null");
            if (direction == Direction.Response && !was.Nullable && now.Nullable) Report(path, "became nullable");
        }

        private void CompareEnums(View was, View now, string path)
        {
            if (direction == Direction.Request)
            {
                if (now.Enum.Count == 0) return;
                if (was.Enum.Count == 0) { Report(path, $"is now restricted to the enum [{string.Join(", ", now.Enum)}]"); return; }
                foreach (var value in was.Enum.Except(now.Enum)) Report(path, $"enum value {value} removed");
            }
            else
            {
                if (was.Enum.Count == 0) return;
                if (now.Enum.Count == 0) { Report(path, $"is no longer restricted to the enum [{string.Join(", ", was.Enum)}]"); return; }
                foreach (var value in now.Enum.Except(was.Enum)) Report(path, $"enum value {value} added");
            }
        }

        private void CompareProperties(View was, View now, string path, int depth)
        {
            foreach (var (name, wasProperty) in was.Properties)
            {
                var propertyPath = path.Length == 0 ? name : $"{path}.{name}";
                var resolved = Resolve(wasProperty);
                if (direction == Direction.Request && resolved?.ReadOnly == true) continue;
                if (direction == Direction.Response && resolved?.WriteOnly == true) continue;

                if (!now.Properties.TryGetValue(name, out var nowProperty))
                {
                    if (direction == Direction.Response) Report(propertyPath, "removed");
                    else if (now.ClosedToAdditionalProperties) Report(propertyPath, "removed, and additional properties are not allowed");
                    continue;
                }
                if (direction == Direction.Response && was.Required.Contains(name) && !now.Required.Contains(name))
                {
                    Report(propertyPath, "is no longer required");
                }
                if (direction == Direction.Request && !was.Required.Contains(name) && now.Required.Contains(name))
                {
                    Report(propertyPath, "became required");
                }
                Compare(wasProperty, nowProperty, propertyPath, depth + 1);
            }
            if (direction == Direction.Request)
            {
                foreach (var name in now.Required.Where(n => !was.Properties.ContainsKey(n) && !was.Required.Contains(n)))
                {
                    if (Resolve(now.Properties.GetValueOrDefault(name))?.ReadOnly == true) continue;
                    Report(path.Length == 0 ? name : $"{path}.{name}", "is new and required");
                }
            }
        }

        private void CompareAlternatives(string keyword, IReadOnlyList<IOpenApiSchema> was, IReadOnlyList<IOpenApiSchema> now, string path, int depth)
        {
            if (was.Count == 0 && now.Count == 0) return;
            var remaining = now.ToList();
            var pairs = new List<(int Index, IOpenApiSchema Was, IOpenApiSchema? Now)>();
            // First by referenced schema id, then by position among what is left.
            for (var i = 0; i < was.Count; i++)
            {
                var id = ReferenceId(was[i]);
                var match = id is null ? null : remaining.FirstOrDefault(s => ReferenceId(s) == id);
                if (match is not null) remaining.Remove(match);
                pairs.Add((i, was[i], match));
            }
            for (var p = 0; p < pairs.Count; p++)
            {
                if (pairs[p].Now is null && remaining.Count > 0)
                {
                    pairs[p] = pairs[p] with { Now = remaining[0] };
                    remaining.RemoveAt(0);
                }
            }
            foreach (var (index, wasAlternative, nowAlternative) in pairs)
            {
                var label = $"{path}({keyword} #{index + 1})";
                if (nowAlternative is null)
                {
                    if (direction == Direction.Request) Report(path, $"{keyword} alternative #{index + 1} removed");
                    continue;
                }
                Compare(wasAlternative, nowAlternative, label, depth + 1);
            }
            if (direction == Direction.Response)
            {
                foreach (var added in remaining) Report(path, $"{keyword} alternative {ReferenceId(added) ?? "(inline)"} added");
            }
        }
    }

    /// <summary>A schema with its allOf members merged in and null split out of its type.</summary>
    private sealed class View
    {
        public JsonSchemaType? Type { get; private set; }
        public string? Format { get; private set; }
        public bool Nullable { get; private set; }
        public List<string> Enum { get; private set; } = [];
        public Dictionary<string, IOpenApiSchema> Properties { get; } = [];
        public HashSet<string> Required { get; } = [];
        public IOpenApiSchema? Items { get; private set; }
        public IOpenApiSchema? AdditionalProperties { get; private set; }
        public bool ClosedToAdditionalProperties { get; private set; }
        public List<IOpenApiSchema> OneOf { get; } = [];
        public List<IOpenApiSchema> AnyOf { get; } = [];

        public static View Of(IOpenApiSchema schema)
        {
            var view = new View();
            view.Merge(schema, new HashSet<IOpenApiSchema>(ReferenceEqualityComparer.Instance), own: true);
            // A schema typed only by its alternatives has the union of their types.
            if (view.Type is null && view.OneOf.Count + view.AnyOf.Count > 0)
            {
                var types = view.OneOf.Concat(view.AnyOf).Select(a => Resolve(a)?.Type).ToList();
                if (types.All(t => t is not null))
                {
                    var union = types.Aggregate((JsonSchemaType)0, (all, t) => all | t!.Value) & ~JsonSchemaType.Null;
                    view.Type = union == 0 ? null : union;
                }
            }
            return view;
        }

        private void Merge(IOpenApiSchema schema, HashSet<IOpenApiSchema> seen, bool own)
        {
            if (!seen.Add(schema)) return;
            var type = schema.Type;
            if (type is { } t && t.HasFlag(JsonSchemaType.Null))
            {
                if (own) Nullable = true;
                type = t & ~JsonSchemaType.Null;
                if (type == 0) type = null;
            }
            Type ??= type;
            Format ??= schema.Format;
            if (Enum.Count == 0 && schema.Enum is { Count: > 0 } values)
            {
                Enum = values.Where(v => v is not null).Select(v => v!.ToJsonString()).ToList();
                if (values.Any(v => v is null || v.GetValueKind() == System.Text.Json.JsonValueKind.Null)) { if (own) Nullable = true; }
            }
            foreach (var (name, property) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
            {
                Properties.TryAdd(name, property);
            }
            foreach (var name in schema.Required ?? new HashSet<string>()) Required.Add(name);
            Items ??= schema.Items;
            AdditionalProperties ??= schema.AdditionalProperties;
            if (!schema.AdditionalPropertiesAllowed) ClosedToAdditionalProperties = true;

            foreach (var (keyword, target) in new[] { (schema.OneOf, OneOf), (schema.AnyOf, AnyOf) })
            {
                var alternatives = new List<IOpenApiSchema>();
                var withNull = false;
                foreach (var alternative in keyword ?? [])
                {
                    if (Resolve(alternative)?.Type == JsonSchemaType.Null) withNull = true;
                    else alternatives.Add(alternative);
                }
                if (withNull && own) Nullable = true;
                // oneOf: [{type: 'null'}, X] is how OpenAPI 3.1 writes "X or null": X it is.
                if (withNull && alternatives.Count == 1 && Resolve(alternatives[0]) is { } only)
                {
                    Merge(only, seen, own: false);
                    continue;
                }
                target.AddRange(alternatives);
            }
            var members = (schema.AllOf ?? []).Select(Resolve).OfType<IOpenApiSchema>().ToList();
            foreach (var member in members) Merge(member, seen, own: false);
            // A schema that is only an allOf of nullable members is nullable.
            if (own && schema.Type is null && members.Count > 0 && members.All(m => m.Type is { } mt && mt.HasFlag(JsonSchemaType.Null)))
            {
                Nullable = true;
            }
        }

    }

    // ----- helpers -----

    private static IOpenApiSchema? Resolve(IOpenApiSchema? schema)
    {
        for (var i = 0; i < 32 && schema is OpenApiSchemaReference reference; i++)
        {
            schema = reference.Target;
        }
        return schema is OpenApiSchemaReference ? null : schema;
    }

    private static string? ReferenceId(IOpenApiSchema schema) => (schema as OpenApiSchemaReference)?.Reference?.Id;

    private static bool TypeCovers(JsonSchemaType? wider, JsonSchemaType? narrower)
    {
        if (wider is null) return true;             // no type: anything
        if (narrower is null) return false;         // anything, against a typed schema
        foreach (var flag in Flags(narrower.Value))
        {
            if (wider.Value.HasFlag(flag)) continue;
            if (flag == JsonSchemaType.Integer && wider.Value.HasFlag(JsonSchemaType.Number)) continue;
            return false;
        }
        return true;
    }

    private static bool FormatCovers(string? wider, string? narrower)
    {
        if (wider is null) return true;
        if (narrower is null) return false;
        if (string.Equals(wider, narrower, StringComparison.OrdinalIgnoreCase)) return true;
        return (wider.ToLowerInvariant(), narrower.ToLowerInvariant()) is ("int64", "int32") or ("double", "float");
    }

    private static IEnumerable<JsonSchemaType> Flags(JsonSchemaType type) =>
        System.Enum.GetValues<JsonSchemaType>().Where(f => f != JsonSchemaType.Null && f != 0 && type.HasFlag(f));

    private static string TypeName(JsonSchemaType? type) => type is null
        ? "(any)"
        : string.Join("|", Flags(type.Value).Select(f => f.ToString().ToLowerInvariant()));

    /// <summary>/v1/territories/{id} and /v1/territories/{territoryId} are the same URL.</summary>
    private static string PathSignature(string template) =>
        System.Text.RegularExpressions.Regex.Replace(template, "\\{[^}]*\\}", "{}");

    private static List<string> PathParameterNames(string template) =>
        System.Text.RegularExpressions.Regex.Matches(template, "\\{([^}]*)\\}").Select(m => m.Groups[1].Value).ToList();

    private sealed class PairComparer : IEqualityComparer<(IOpenApiSchema, IOpenApiSchema)>
    {
        public static readonly PairComparer Instance = new();

        public bool Equals((IOpenApiSchema, IOpenApiSchema) x, (IOpenApiSchema, IOpenApiSchema) y) =>
            ReferenceEquals(x.Item1, y.Item1) && ReferenceEquals(x.Item2, y.Item2);

        public int GetHashCode((IOpenApiSchema, IOpenApiSchema) pair) =>
            HashCode.Combine(RuntimeHelpers.GetHashCode(pair.Item1), RuntimeHelpers.GetHashCode(pair.Item2));
    }
}
