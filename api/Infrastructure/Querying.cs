using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Observatoire.Contracts;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// List queries: an allow-list of query parameters, sorting by allow-listed keys with the id as the last
/// tie-breaker, keyset cursors over those keys, and French full-text search terms.
/// </summary>
public static partial class Querying
{
    /// <summary>
    /// A query parameter the endpoint does not declare is a 400 naming it, rather than silently ignored; so is a
    /// value outside the closed list ([OneOf]) or the code shape ([Code]) that the handler's parameter declares.
    /// The same attributes write the enum and the pattern into the OpenAPI document.
    /// </summary>
    public static TBuilder RejectUnknownQueryParameters<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilterFactory((factory, next) =>
        {
            var parameters = QueryParameters(factory.MethodInfo).ToList();
            var declared = parameters
                .Where(p => IsQueryType(p.Type))
                .Select(p => p.Name)
                .ToHashSet(StringComparer.OrdinalIgnoreCase);
            var rules = parameters
                .Select(p => (p.Name, Rule: ParameterRule(p.Name, p.Type, p.Attributes)))
                .Where(p => p.Rule is not null)
                .ToList();
            return async context =>
            {
                // fields= is declared by its own filter rather than by a handler parameter.
                var sparse = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<SparseFields.Metadata>() is not null;
                var unknown = context.HttpContext.Request.Query.Keys
                    .Where(k => !declared.Contains(k) && !(sparse && k.Equals("fields", StringComparison.OrdinalIgnoreCase))).ToList();
                if (unknown.Count == 0)
                {
                    var query = context.HttpContext.Request.Query;
                    var invalid = rules
                        .Select(r => (r.Name, Message: query.TryGetValue(r.Name, out var given) ? r.Rule!(given.ToString()) : null))
                        .Where(r => r.Message is not null)
                        .ToDictionary(r => r.Name, r => new[] { r.Message! });
                    return invalid.Count == 0 ? await next(context) : Problems.Validation(context.HttpContext, invalid);
                }
                var allowed = string.Join(", ", declared.Order(StringComparer.Ordinal));
                return Problems.Validation(context.HttpContext, unknown.ToDictionary(k => k, k => new[] { $"Unknown parameter '{k}'. This operation takes: {allowed}." }));
            };
        });
        builder.WithMetadata(new QueryParametersChecked());
        return builder;
    }

    /// <summary>Endpoint metadata: the query is checked, so the operation documents its 400.</summary>
    public sealed class QueryParametersChecked;

    /// <summary>
    /// The handler's parameters as the query names them: its own, and the properties of an [AsParameters] record
    /// (by their [FromQuery] name), such as <see cref="ListParameters"/>.
    /// </summary>
    private static IEnumerable<(string Name, Type Type, ICustomAttributeProvider Attributes)> QueryParameters(MethodInfo method)
    {
        foreach (var parameter in method.GetParameters())
        {
            if (parameter.GetCustomAttribute<AsParametersAttribute>() is null)
            {
                yield return (parameter.Name!, parameter.ParameterType, parameter);
                continue;
            }
            foreach (var property in parameter.ParameterType.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                var name = property.GetCustomAttribute<Microsoft.AspNetCore.Mvc.FromQueryAttribute>()?.Name ?? property.Name;
                yield return (name, property.PropertyType, property);
            }
        }
    }

    /// <summary>
    /// What a parameter's [OneOf] or [Code] checks, or its type's plain form: a message for a value it refuses, else
    /// null. Binding alone is lenient: int.TryParse takes " 1", DateOnly.TryParse takes "2024/01/01" and reads
    /// "01/02/2024" as 2 January; the document promises an integer and a YYYY-MM-DD date.
    /// </summary>
    private static Func<string, string?>? ParameterRule(string name, Type type, ICustomAttributeProvider parameter)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(int) || type == typeof(long))
        {
            return value => PlainInteger().IsMatch(value) ? null : $"'{value}' is not a valid value for {name}: expected an integer.";
        }
        if (type == typeof(DateOnly))
        {
            return value => PlainDate().IsMatch(value) ? null : $"'{value}' is not a valid value for {name}: expected a date (YYYY-MM-DD).";
        }
        if (parameter.GetCustomAttributes(typeof(Contracts.OneOfAttribute), true).FirstOrDefault() is Contracts.OneOfAttribute oneOf)
        {
            return value => oneOf.Values.Contains(value, StringComparer.Ordinal) ? null : $"{name} must be one of: {string.Join(", ", oneOf.Values)}.";
        }
        if (parameter.GetCustomAttributes(typeof(Contracts.CodeAttribute), true).FirstOrDefault() is Contracts.CodeAttribute code)
        {
            var pattern = new Regex(code.Pattern, RegexOptions.CultureInvariant);
            return value => pattern.IsMatch(value) && !value.EndsWith('\n') ? null : $"'{value}' is not a valid {name}: it must match {code.Pattern}.";
        }
        return null;
    }

    [GeneratedRegex(@"^-?[0-9]+\z")]
    private static partial Regex PlainInteger();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}\z")]
    private static partial Regex PlainDate();

    private static bool IsQueryType(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(string) || type == typeof(int) || type == typeof(long) || type == typeof(bool) ||
               type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(DateOnly) || type.IsEnum ||
               // Types bound from one string by their own TryParse, such as Rfc3339DateTime.
               type.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static, [typeof(string), type.MakeByRefType()]) is not null ||
               type.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static, [typeof(string), typeof(IFormatProvider), type.MakeByRefType()]) is not null;
    }

    /// <summary>
    /// A sort key: its SQL expression (a constant of the feature's allow-list), the SQL type its cursor value
    /// is cast to, and how to read that value from a row.
    /// </summary>
    public sealed record SortKey<TRow>(string Sql, string SqlType, Func<TRow, object?> Value);

    /// <summary>A parsed sort: the keys in order, each ascending or descending, always ending with the id.</summary>
    public sealed record Sort<TRow>(IReadOnlyList<(string Name, SortKey<TRow> Key, bool Descending)> Keys)
    {
        public string OrderBy => string.Join(", ", Keys.Select(k => $"{k.Key.Sql} {(k.Descending ? "desc" : "asc")}"));

        /// <summary>
        /// The keyset predicate "after the row whose sort values are @k0, @k1…", expanded so that keys may
        /// mix directions: (k0 > @k0) or (k0 = @k0 and k1 > @k1) or …, behind the bound k0 >= @k0 that it implies,
        /// which lets an index on the sort keys start a deep page at the cursor instead of at the first row.
        /// </summary>
        public string After
        {
            get
            {
                var terms = new List<string>();
                for (var i = 0; i < Keys.Count; i++)
                {
                    var equal = Enumerable.Range(0, i).Select(j => $"{Keys[j].Key.Sql} = @k{j}::{Keys[j].Key.SqlType}");
                    var (_, key, descending) = Keys[i];
                    var step = $"{key.Sql} {(descending ? "<" : ">")} @k{i}::{key.SqlType}";
                    terms.Add("(" + string.Join(" and ", equal.Append(step)) + ")");
                }
                var (_, first, firstDescending) = Keys[0];
                return $"({first.Sql} {(firstDescending ? "<=" : ">=")} @k0::{first.SqlType} and (" + string.Join(" or ", terms) + "))";
            }
        }

        public void AddCursor(DynamicParameters parameters, string[]? after)
        {
            for (var i = 0; i < Keys.Count; i++) parameters.Add($"k{i}", after?[i]);
        }

        /// <summary>The cursor of a row: its values of the sort keys (and the sort itself, so a cursor cannot be replayed under another sort).</summary>
        public string[] CursorOf(TRow row) => [Signature, .. Keys.Select(k => CursorValue(k.Key.Value(row)))];

        public string Signature => string.Join(",", Keys.Select(k => (k.Descending ? "-" : "") + k.Name));

        /// <summary>The cursor's values, or null when it was made under another sort.</summary>
        public string[]? Values(string[]? cursor) =>
            cursor is null ? null : cursor.Length == Keys.Count + 1 && cursor[0] == Signature ? cursor[1..] : null;
    }

    /// <summary>
    /// Parses "sort=-date,name" against the allow-list; the id is appended as the last tie-breaker.
    /// Returns a 400 naming <c>sort</c> when a key is unknown.
    /// </summary>
    public static ValidationProblem? ParseSort<TRow>(HttpContext context, string? sort, IReadOnlyDictionary<string, SortKey<TRow>> allowed,
        string defaultSort, out Sort<TRow> parsed)
    {
        var id = allowed["id"];
        var keys = new List<(string, SortKey<TRow>, bool)>();
        foreach (var raw in (string.IsNullOrWhiteSpace(sort) ? defaultSort : sort).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var descending = raw.StartsWith('-');
            var name = raw.TrimStart('-', '+');
            if (!allowed.TryGetValue(name, out var key))
            {
                parsed = new Sort<TRow>([]);
                return Problems.Validation(context, "sort", $"Unknown sort key '{name}'. Allowed: {string.Join(", ", allowed.Keys)} (prefix with - for descending).");
            }
            if (keys.All(k => k.Item1 != name)) keys.Add((name, key, descending));
        }
        if (keys.All(k => k.Item2 != id)) keys.Add(("id", id, false));
        parsed = new Sort<TRow>(keys);
        return null;
    }

    /// <summary>A search string longer than the contract's maxLength: a 400 naming q (the cost grows with the words).</summary>
    public static ValidationProblem? TooLong(HttpContext context, string? q) => q is { Length: > Lengths.Search }
        ? Problems.Validation(context, "q", $"q is at most {Lengths.Search} characters; it has {q.Length}.")
        : null;

    /// <summary>The search of q as a prefix tsquery (null without q); a q too long or without a word is a 400 naming q.</summary>
    public static ValidationProblem? ParseSearch(HttpContext context, string? q, out string? search)
    {
        search = null;
        if (TooLong(context, q) is { } tooLong) return tooLong;
        search = ToTsQuery(q);
        return q is not null && search is null ? Problems.Validation(context, "q", "q must contain at least one word.") : null;
    }

    /// <summary>
    /// Turns free text into a prefix tsquery for the 'observatoire' text search configuration (French, accents
    /// folded): words only, "St"/"Ste" read as Saint/Sainte, each word a prefix, all required.
    /// Null when the text holds no word.
    /// </summary>
    public static string? ToTsQuery(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var words = Word().Matches(text).Select(m => m.Value.ToLowerInvariant())
            .Select(w => w switch { "st" => "saint", "ste" => "sainte", _ => w })
            .ToList();
        return words.Count == 0 ? null : string.Join(" & ", words.Select(w => w + ":*"));
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Word();

    /// <summary>Formats a cursor value of a row the way the SQL cast reads it back.</summary>
    public static string CursorValue(object? value) => value switch
    {
        null => "",
        DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
