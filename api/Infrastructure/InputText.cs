using System.Collections;
using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Observatoire.Contracts;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Text the API refuses wherever it comes: control characters, NUL first of all, which PostgreSQL cannot store
/// (broken UTF-16 never gets this far: the JSON reader refuses a lone surrogate, URLs decode it as U+FFFD). In the
/// path, the query and headers that is one middleware; in request bodies one rule, run for every body by <see cref="RequestValidation"/>, which also
/// enforces the lengths the contract declares ([MaxLength], [ItemMaxLength]). Either way: a 400 naming the field.
/// </summary>
public static class InputText
{
    /// <summary>Path, query (names and values) and header values: no control character; headers may hold a tab.</summary>
    public static IApplicationBuilder UseInputTextCheck(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var request = context.Request;
        if (Describe(request.PathBase.Value + request.Path.Value, lineBreaks: false) is { } inPath) return Refuse(context, "path", inPath);
        foreach (var (name, values) in request.Query)
        {
            if (Describe(name, lineBreaks: false) is { } inName) return Refuse(context, Uri.EscapeDataString(name), inName);
            foreach (var value in values)
            {
                if (Describe(value, lineBreaks: false) is { } inValue) return Refuse(context, name, inValue);
            }
        }
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                if (Describe(value, lineBreaks: false, tab: true) is { } inHeader) return Refuse(context, name, inHeader);
            }
        }
        return next(context);
    });

    /// <summary>Why <paramref name="text"/> is refused, or null. Line breaks (CR, LF) and tabs are text in a body.</summary>
    public static string? Describe(string? text, bool lineBreaks, bool tab = false)
    {
        if (text is null) return null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var allowed = (c == '\t' && (tab || lineBreaks)) || ((c == '\r' || c == '\n') && lineBreaks);
            // C0, DEL and C1 (U+0080 to U+009F, such as NEL): all of Unicode's control characters.
            if ((c < 0x20 && !allowed) || (c >= 0x7F && c <= 0x9F)) return $"Control characters are not allowed: U+{(int)c:X4} at character {i + 1}.";
        }
        return null;
    }

    private static Task Refuse(HttpContext context, string field, string message) =>
        Problems.Validation(context, field, message).ExecuteAsync(context);

    private sealed record Member(PropertyInfo Property, string Name, int? MaxLength, int? ItemMaxLength);

    private static readonly ConcurrentDictionary<Type, Member[]> Members = new();

    /// <summary>
    /// Every string of a request body, nested records and lists included: its characters and the lengths the
    /// contract declares. Fields are named by their JSON path ("communes[2].name").
    /// </summary>
    public static Dictionary<string, string[]> CheckBody(object body)
    {
        var errors = new Dictionary<string, string[]>();
        Walk(body, "", errors);
        return errors;
    }

    private static void Walk(object value, string prefix, Dictionary<string, string[]> errors)
    {
        foreach (var member in Members.GetOrAdd(value.GetType(), Describe))
        {
            var name = prefix + member.Name;
            switch (member.Property.GetValue(value))
            {
                case string text:
                    Text(text, name, member.MaxLength, errors);
                    break;
                case IList list:
                    if (list.Count > member.MaxLength) errors[name] = [$"At most {member.MaxLength} items; there are {list.Count}."];
                    for (var i = 0; i < list.Count; i++)
                    {
                        var itemName = string.Create(CultureInfo.InvariantCulture, $"{name}[{i}]");
                        if (list[i] is string item) Text(item, itemName, member.ItemMaxLength, errors);
                        else if (list[i] is { } record && IsContract(record.GetType())) Walk(record, itemName + ".", errors);
                    }
                    break;
                case { } nested when IsContract(nested.GetType()):
                    Walk(nested, name + ".", errors);
                    break;
            }
        }
    }

    private static void Text(string text, string name, int? max, Dictionary<string, string[]> errors)
    {
        if (Describe(text, lineBreaks: true) is { } invalid) errors[name] = [invalid];
        else if (text.Length > max) errors[name] = [$"At most {max} characters; there are {text.Length}."];
    }

    private static bool IsContract(Type type) => type.Assembly == typeof(Lengths).Assembly && type.IsClass;

    private static Member[] Describe(Type type) => type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetIndexParameters().Length == 0)
        .Select(p => new Member(p, JsonNamingPolicy.CamelCase.ConvertName(p.Name),
            p.GetCustomAttribute<MaxLengthAttribute>()?.Length, p.GetCustomAttribute<ItemMaxLengthAttribute>()?.Length))
        .ToArray();
}
