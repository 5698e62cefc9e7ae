using System.Text.Json.Nodes;

namespace Observatoire.Api.Tests.Fuzz;

/// <summary>Request bodies from the request schema: valid ones, and valid ones with one thing broken.</summary>
public sealed class BodyGenerator(Operation operation, Values values)
{
    private int _serial;

    /// <summary>A body the schema admits; the id, when the schema has one, is <paramref name="id"/> (left out if null).</summary>
    public JsonObject Valid(JsonObject schema, string? id)
    {
        var body = (JsonObject)Value("", schema, 0);
        // A territory's code takes the form of its phase, as the schema's description says.
        if ((string?)body["phase"] is { } phase && body["code"] is not null)
        {
            body["code"] = values.Matching(phase == "2018-2022" ? "^TI[0-9]{4}$" : "^ti-[0-9]{4}$");
        }
        if (schema["properties"]?["id"] is not null)
        {
            body.Remove("id");
            if (id is not null) body["id"] = id;
        }
        return body;
    }

    public string NewId() => $"fuzz-{values.Next(1_000_000)}-{++_serial}";

    private JsonNode Value(string name, JsonObject schema, int depth)
    {
        if (schema["enum"] is JsonArray choices)
        {
            var named = choices.Where(c => c is not null).ToList();
            return JsonValue.Create((string)values.Pick(named)!)!;
        }
        var min = (int?)schema["minimum"];
        var max = (int?)schema["maximum"];
        switch (Operation.TypeOf(schema))
        {
            case "integer": return JsonValue.Create((min ?? 0) + values.Next(Math.Min((max ?? 2000) - (min ?? 0) + 1, 5000)));
            case "number": return JsonValue.Create((min ?? -1000) + values.Next(((max ?? 1000) - (min ?? -1000)) * 1000) / 1000.0);
            case "boolean": return JsonValue.Create(values.Chance(0.5));
            case "array":
            {
                var items = operation.Resolve(schema["items"]!);
                var count = Math.Max((int?)schema["minItems"] ?? 0, values.Next(Math.Min((int?)schema["maxItems"] ?? 3, 3) + 1));
                var array = new JsonArray();
                var seen = new HashSet<string>();
                for (var i = 0; i < count; i++)
                {
                    var item = Value(name, items, depth + 1);
                    // Lists of ids and tags take each value once.
                    if (item is JsonValue v && v.TryGetValue<string>(out var text) && !seen.Add(text)) continue;
                    array.Add(item);
                }
                return array;
            }
            case "object":
            {
                var required = (schema["required"]?.AsArray() ?? []).Select(r => (string)r!).ToHashSet();
                var result = new JsonObject();
                foreach (var (member, memberSchema) in schema["properties"]?.AsObject() ?? [])
                {
                    if (!required.Contains(member) && !values.Chance(0.6)) continue;
                    result[member] = Value(member, operation.Resolve(memberSchema!), depth + 1);
                }
                return result;
            }
            default: return JsonValue.Create(Text(name, schema))!;
        }
    }

    private string Text(string name, JsonObject schema)
    {
        if ((string?)schema["format"] == "date") return values.Date();
        // A key's expiry must lie ahead.
        if ((string?)schema["format"] == "date-time" && name == "expiresAt") return DateTimeOffset.UtcNow.AddDays(1 + values.Next(3000)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        if (SeedData.CollectionOf(name) is { } collection) return values.Pick(values.Data.Ids(collection));
        if ((string?)schema["pattern"] is { } pattern) return values.Matching(pattern);
        // A webhook's signing secret: whsec_ and the base64 of 24 to 64 bytes.
        if (name == "secret") return "whsec_" + Convert.ToBase64String(Enumerable.Range(0, 24 + values.Next(41)).Select(_ => (byte)values.Next(256)).ToArray());
        if (name is "url" or "website") return $"https://example.org/fuzz/{values.Next(100000)}";
        if (name == "referenceDate") return (1990 + values.Next(40)).ToString();
        if (name is "siren" or "inseeCode" or "code") return values.Matching(name == "siren" ? "^[0-9]{9}$" : "^[0-9]{5}$");
        return values.Text(Math.Min((int?)schema["maxLength"] ?? 30, 30));
    }

    /// <summary>The valid body with one thing the schema forbids, and what that is.</summary>
    public (string Json, string Why) Broken(JsonObject schema, JsonObject valid)
    {
        var body = (JsonObject)valid.DeepClone();
        var properties = schema["properties"]!.AsObject();
        var members = properties.Select(p => (Name: p.Key, Schema: operation.Resolve(p.Value!))).ToList();
        var required = (schema["required"]?.AsArray() ?? []).Select(r => (string)r!).ToList();
        var (name, member) = values.Pick(members);
        switch (values.Next(12))
        {
            case 0 when required.Count > 0:
                var missing = values.Pick(required);
                body.Remove(missing);
                return (body.ToJsonString(), $"required '{missing}' missing");
            case 1:
                body[name] = Operation.TypeOf(member) switch
                {
                    "string" => JsonValue.Create(values.Int()),
                    "array" => JsonValue.Create(values.Text()),
                    "object" => new JsonArray(1, 2),
                    _ => JsonValue.Create("x" + values.Text()),
                };
                return (body.ToJsonString(), $"'{name}' of the wrong type");
            case 2 when members.FirstOrDefault(m => m.Schema["maxLength"] is not null && Operation.TypeOf(m.Schema) == "string") is { Name: not null } longer:
                var length = (int)longer.Schema["maxLength"]! + 1 + values.Next(50);
                body[longer.Name] = new string('a', length);
                return (body.ToJsonString(), $"'{longer.Name}' longer than its maxLength ({length})");
            case 3 when members.Where(m => m.Schema["maxItems"] is not null).ToList() is { Count: > 0 } arrays:
                var (arrayName, arraySchema) = values.Pick(arrays);
                var tooMany = new JsonArray();
                for (var i = 0; i <= (int)arraySchema["maxItems"]!; i++) tooMany.Add($"item-{i}");
                body[arrayName] = tooMany;
                return (body.ToJsonString(), $"'{arrayName}' with more than maxItems");
            case 4 when members.Where(m => m.Schema["enum"] is not null).ToList() is { Count: > 0 } enums:
                var enumName = values.Pick(enums).Name;
                body[enumName] = "not-" + values.Text(10);
                return (body.ToJsonString(), $"'{enumName}' outside its enum");
            case 5 when members.Where(m => Operation.TypeOf(m.Schema) == "string" && m.Name != "id").ToList() is { Count: > 0 } strings:
                var textName = values.Pick(strings).Name;
                body[textName] = values.WithControl(values.Text(20));
                return (body.ToJsonString(), $"control character in '{textName}'");
            case 6:
                body["unexpected" + values.Next(100)] = values.Text();
                return (body.ToJsonString(), "unknown member");
            case 7:
                body[name] = Values.Nested(100 + values.Next(400));
                return (body.ToJsonString(), $"'{name}' nested hundreds of arrays deep");
            case 8 when members.FirstOrDefault(m => m.Schema["minimum"] is not null || m.Schema["maximum"] is not null) is { Name: not null } bounded:
                body[bounded.Name] = bounded.Schema["maximum"] is { } top ? (double)top! + 1 + values.Next(1000) : (double)bounded.Schema["minimum"]! - 1 - values.Next(1000);
                return (body.ToJsonString(), $"'{bounded.Name}' out of its range");
            case 9:
                var text = body.ToJsonString();
                return values.Next(5) switch
                {
                    0 => (text[..values.Next(text.Length)], "truncated JSON"),
                    1 => ("[" + text + "]", "an array instead of an object"),
                    2 => ("null", "null instead of an object"),
                    3 => ("", "empty body"),
                    _ => (text.Replace("\"", "'"), "single-quoted JSON"),
                };
            case 10 when members.FirstOrDefault(m => (string?)m.Schema["format"] == "date" || m.Schema["pattern"] is not null) is { Name: not null } formatted:
                body[formatted.Name] = formatted.Schema["pattern"] is not null ? "zz" + values.Text(5) : values.MalformedDate() + "x";
                return (body.ToJsonString(), $"'{formatted.Name}' not in its format");
            default:
                // Above the 64 KiB body limit.
                body[name] = new string('x', 70_000 + values.Next(10_000));
                return (body.ToJsonString(), "body above the size limit");
        }
    }
}
