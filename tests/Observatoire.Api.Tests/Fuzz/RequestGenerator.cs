using System.Text.Json.Nodes;

namespace Observatoire.Api.Tests.Fuzz;

/// <summary>
/// Requests for one operation from its parameters and body schema: valid ones, and ones with exactly one thing
/// wrong (marked <see cref="Expect.Rejected"/>), plus variations whose answer the document leaves open
/// (<see cref="Expect.Either"/>).
/// </summary>
public sealed class RequestGenerator(Operation operation, Values values, IReadOnlyDictionary<string, JsonObject> writable)
{
    private readonly BodyGenerator _bodies = new(operation, values);
    private static readonly string[] Accepts = ["text/csv", "text/calendar", "application/geo+json", "text/html", "garbage", "application/json;q=0", "*/*;q=0.1, text/csv", "image/png"];

    public BodyGenerator Bodies => _bodies;

    public FuzzCase Next()
    {
        var expect = Expect.Success;
        var why = new List<string>();
        void Reject(string reason) { expect = Expect.Rejected; why.Add(reason); }
        void Loosen(string reason) { if (expect == Expect.Success) expect = Expect.Either; why.Add(reason); }

        // One thing wrong at most, so that a 4xx answer is owed to it.
        var breakSomething = values.Chance(0.55);
        var broken = false;
        bool TakeTheBreak(int chances) { if (!breakSomething || broken || values.Next(chances) != 0) return false; broken = true; return true; }

        var path = operation.Template;
        var hasPathId = path.Contains("{id}");
        if (hasPathId)
        {
            string id;
            if (TakeTheBreak(3)) { id = StrangeId(out var reason); if (reason is null) Loosen("'..' as the id"); else Reject(reason); }
            else if (operation.Method is "PUT" or "DELETE") { id = values.Pick(writable.Keys.ToList()); Loosen("write on a fuzz record"); }
            else id = values.Pick(values.Data.Ids(operation.Collection!));
            path = path.Replace("{id}", id.StartsWith('%') || id.Contains("%2") ? id : Uri.EscapeDataString(id));
            if (operation.Method == "PUT") _writableTarget = Uri.UnescapeDataString(id);
        }
        // Other path parameters take the values the seeded data names for them (a dump's version and collections).
        foreach (var name in operation.Parameters("path").Select(p => (string)p["name"]!).Where(n => n != "id"))
        {
            path = path.Replace($"{{{name}}}", Uri.EscapeDataString(values.Pick(values.Data.Ids(name))));
        }

        var query = new List<(string Name, string Value)>();
        foreach (var parameter in operation.Parameters("query"))
        {
            if (!values.Chance(0.3) && parameter["required"]?.GetValue<bool>() != true && !RequiredInPractice(parameter)) continue;
            var (value, looseReason) = ValidQueryValue(parameter);
            if (looseReason is not null) Loosen(looseReason);
            query.Add(((string)parameter["name"]!, value));
        }
        if (TakeTheBreak(operation.IsWrite ? 6 : 1)) BreakQuery(query, Reject, Loosen);
        else if (values.Chance(0.1) && query.Count > 0) { query.Add(query[0]); Loosen($"'{query[0].Name}' repeated"); }

        var url = path + (query.Count == 0 ? "" : "?" + string.Join("&", query.Select(q => Uri.EscapeDataString(q.Name) + "=" + Uri.EscapeDataString(q.Value))));

        var headers = new List<KeyValuePair<string, string>>();
        if (values.Chance(0.3)) { var accept = values.Pick(Accepts); headers.Add(new("Accept", accept)); Loosen($"Accept {accept}"); }
        else if (values.Chance(0.2)) headers.Add(new("Accept", values.Chance(0.5) ? "application/json" : "*/*"));
        if (values.Chance(0.15)) headers.Add(new("If-None-Match", values.Chance(0.5) ? "\"" + values.Text(20) + "\"" : values.Text(40)));
        if (TakeTheBreak(8)) { headers.Add(new("X-Fuzz-Note", values.WithControl(values.Text(10)))); Reject("control character in a header"); }

        string? body = null;
        string? contentType = null;
        var withKey = operation.NeedsKey;
        string? creates = null;
        if (operation.BodySchema is { } schema)
        {
            var id = operation.Method == "PUT" ? (values.Chance(0.5) ? _writableTarget : null) : values.Chance(0.8) ? _bodies.NewId() : null;
            var valid = _bodies.Valid(schema, id);
            // What a replace cannot change (the phase and code a territory's id derives from, an actor's type) is
            // kept from the body that created the record.
            if (operation.Method == "PUT" && _writableTarget is not null && writable.TryGetValue(_writableTarget, out var original))
            {
                foreach (var member in new[] { "phase", "code", "type" })
                {
                    if (original[member] is { } kept) valid[member] = kept.DeepClone();
                }
            }
            body = valid.ToJsonString();
            contentType = "application/json";
            Loosen("a generated body (its references and uniqueness are not known in advance)");
            if (operation.Method == "POST") creates = "/v1/" + operation.Collection;
            if (!breakSomething && values.Chance(0.15) && schema["properties"]!.AsObject().Where(p => Operation.TypeOf(operation.Resolve(p.Value!)) == "string").Select(p => p.Key).ToList() is { Count: > 0 } strings)
            {
                // Any UTF-16 at all (lone surrogates, controls, quotes): refused or stored, never a 5xx.
                var member = values.Pick(strings);
                valid[member] = values.Garbage();
                body = valid.ToJsonString();
                Loosen($"arbitrary UTF-16 in '{member}'");
            }
            if (TakeTheBreak(1))
            {
                switch (values.Next(10))
                {
                    case 0: contentType = values.Pick(new[] { "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x" }); Reject($"Content-Type {contentType}"); break;
                    case 1: contentType = null; Reject("no Content-Type"); break;
                    default: (body, var reason) = _bodies.Broken(schema, valid); Reject(reason); break;
                }
            }
        }
        if (operation.NeedsKey && TakeTheBreak(1)) { withKey = false; Reject("no API key"); }

        return new FuzzCase(operation.Method, url, expect, why.Count == 0 ? "valid" : string.Join("; ", why))
        {
            Body = body, ContentType = contentType, WithKey = withKey, Creates = creates,
        }.With(headers);
    }

    private string? _writableTarget;

    // GET /v1/search answers 400 without q, which the document can only say in words: making a parameter required
    // is a breaking change under the version 1 policy, so the document keeps it optional.
    private bool RequiredInPractice(JsonObject parameter) => operation.Id == "search" && (string?)parameter["name"] == "q";

    private string StrangeId(out string? reason)
    {
        reason = "an id no record has";
        switch (values.Next(9))
        {
            // "." alone is a dot segment that the client resolves away, not an id.
            case 0: return values.Text(30) is var text && text.Trim('.').Length == 0 ? text + "x" : text;
            case 1: return new string('a', 200 + values.Next(3000));
            case 2: reason = "control character in the id";
                // The in-process client cannot carry a NUL in a path (Kestrel refuses it itself: see ControlCharacterTests).
                return values.WithControl(values.Text(10), nul: false);
            case 3: reason = null; return "..";
            case 4: return "%2e%2e%2f" + values.Text(5);
            case 5: return "%25" + values.Next(99) + "%zz";
            case 6: return "fuzz-none-" + values.Next(100000);
            case 7: return values.Pick(new[] { "' or '1'='1", "1;drop table territories", "${jndi:x}", "<script>", "null", "0", "-1" }) + values.Next(9);
            default: return Uri.UnescapeDataString(values.Pick(values.Data.Ids(operation.Collection!))) + "\u00e9" + values.Text(3);
        }
    }

    private (string Value, string? Loose) ValidQueryValue(JsonObject parameter)
    {
        var name = (string)parameter["name"]!;
        var schema = operation.Resolve(parameter["schema"]!);
        if (schema["enum"] is JsonArray choices) return ((string)values.Pick(choices.ToList())!, null);
        switch (Operation.TypeOf(schema))
        {
            case "integer" when Operation.DescribedRange(parameter) is { } range: return ((range.Min + values.Next(range.Max - range.Min + 1)).ToString(), null);
            case "integer": return ((2015 + values.Next(15)).ToString(), null);
            case "boolean": return (values.Chance(0.5) ? "true" : "false", null);
            case "array":
                var items = operation.Resolve(schema["items"]!)["enum"]!.AsArray().Select(i => (string)i!).ToList();
                return (string.Join(",", Enumerable.Range(0, 1 + values.Next(3)).Select(_ => values.Pick(items)).Distinct()), null);
        }
        if ((string?)schema["pattern"] is { } pattern) return (values.Matching(pattern), null);
        switch ((string?)schema["format"])
        {
            case "date": return (values.Date(), "a date that may fall outside another bound");
            case "date-time": return (values.DateTime(), null);
        }
        if (name == "q") return (values.Text(Math.Min((int?)schema["maxLength"] ?? 200, 40)), null);
        if (SeedData.CollectionOf(name) is { } collection && values.Chance(0.7)) return (values.Pick(values.Data.Ids(collection)), null);
        // Free strings (sort, include, types, since, cursor…): the document does not say what they take.
        return (values.Text(20), $"free value for '{name}'");
    }

    private void BreakQuery(List<(string Name, string Value)> query, Action<string> reject, Action<string> loosen)
    {
        var parameters = operation.Parameters("query").ToList();
        if (parameters.Count == 0 || values.Chance(0.2))
        {
            var unknown = values.Pick(new[] { "unknownParam", "Limit2", "page", "offset", "id", "q[]", "filter" }) + values.Next(9);
            query.Add((unknown, values.Text(5)));
            // Operations without a documented 400 (the health probes) may ignore the query string.
            if (operation.Documents(400)) reject($"unknown parameter '{unknown}'");
            else loosen($"unknown parameter '{unknown}' (no 400 documented)");
            return;
        }
        var parameter = values.Pick(parameters);
        var name = (string)parameter["name"]!;
        var schema = operation.Resolve(parameter["schema"]!);
        query.RemoveAll(q => q.Name == name);
        string value;
        string why;
        if (values.Chance(0.2)) { value = values.WithControl(values.Text(8)); why = "control character"; }
        else if (schema["enum"] is not null) { value = "not-" + values.Text(8); why = "outside its enum"; }
        else if (schema["items"] is not null) { value = "nosuchfield" + values.Next(100); why = "unknown field"; }
        else if ((string?)schema["pattern"] is not null) { value = "zz" + values.Text(5); why = "not matching its pattern"; }
        else if (Operation.TypeOf(schema) == "integer")
        {
            if (Operation.DescribedRange(parameter) is { } range && values.Chance(0.5)) { value = values.Chance(0.5) ? (range.Min - 1 - values.Next(100)).ToString() : (range.Max + 1 + values.Next(100000)).ToString(); why = "out of its range"; }
            else { value = values.MalformedInt(); why = "not an integer"; }
        }
        else if (Operation.TypeOf(schema) == "boolean") { value = values.Pick(new[] { "yes", "1", "vrai", "" }) ; why = "not a boolean"; }
        else if ((string?)schema["format"] == "date") { value = values.MalformedDate(); why = "not a date"; }
        else if ((string?)schema["format"] == "date-time") { value = values.MalformedDateTime(); why = "not an RFC 3339 date-time"; }
        else if (schema["maxLength"] is { } max) { value = new string('é', (int)max! + 1 + values.Next(500)); why = "longer than its maxLength"; }
        else if (name is "cursor" or "since") { value = Tampered(); why = "a forged or tampered cursor"; }
        else
        {
            // A free string (sort, include, territory…): only a control character is known to be wrong.
            value = values.WithControl(values.Text(8));
            why = "control character";
        }
        query.Add((name, value));
        reject($"'{name}' {why}");
    }

    private string Tampered() => values.Next(4) switch
    {
        0 => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("{\"k\":[\"x'::integer\",\"" + values.Text(5) + "\"]}")).TrimEnd('='),
        1 => values.Text(60),
        2 => "eyJ" + values.Text(40).Replace(" ", ""),
        _ => new string('A', 10 + values.Next(2000)),
    };
}

internal static class FuzzCaseExtensions
{
    public static FuzzCase With(this FuzzCase fuzzCase, IEnumerable<KeyValuePair<string, string>> headers)
    {
        fuzzCase.Headers.AddRange(headers);
        return fuzzCase;
    }
}
