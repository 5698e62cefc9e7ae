using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CsCheck;

namespace Observatoire.Api.Tests.Fuzz;

/// <summary>Random values drawn from one CsCheck PCG stream, so that a seed replays every request exactly.</summary>
public sealed class Values(PCG pcg, SeedData data)
{
    private static readonly Gen<string> AnyText = Gen.String[Gen.Char, 0, 40];
    private static readonly Gen<string> Printable = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_'.,;:éèàçôœÉ€😀中文"], 1, 30];
    private static readonly Gen<int> AnyInt = Gen.Int;

    public SeedData Data => data;
    public int Next(int max) => (int)pcg.Next((uint)max);
    public bool Chance(double p) => pcg.Next(1_000_000) < p * 1_000_000;
    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];
    public int Int() => AnyInt.Generate(pcg, null!, out _);

    /// <summary>Printable text without control characters, at most <paramref name="max"/> UTF-16 units.</summary>
    public string Text(int max = 30)
    {
        var text = Printable.Generate(pcg, null!, out _);
        if (text.Length > max) text = text[..Math.Max(1, max)];
        // A cut must not leave half a surrogate pair.
        return char.IsHighSurrogate(text[^1]) ? text[..^1] + "x" : text;
    }

    /// <summary>Anything a string can hold: control characters, lone surrogates, quotes, nothing.</summary>
    public string Garbage() => AnyText.Generate(pcg, null!, out _);

    public string ControlCharacter(bool nul = true) => ((char)Pick(nul ? new[] { 0, 1, 7, 8, 0x0b, 0x1b, 0x1f, 0x7f, 0x85, 0x9f } : new[] { 1, 7, 8, 0x0b, 0x1b, 0x1f, 0x7f, 0x85, 0x9f })).ToString();

    /// <summary>Text that a field must refuse because it holds a control character (tab and line breaks excepted).</summary>
    public string WithControl(string text, bool nul = true)
    {
        var at = Next(text.Length + 1);
        return text[..at] + ControlCharacter(nul) + text[at..];
    }

    public string Date() => new DateOnly(1990 + Next(45), 1 + Next(12), 1 + Next(28)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    public string DateTime() => new DateTimeOffset(2000 + Next(30), 1 + Next(12), 1 + Next(28), Next(24), Next(60), Next(60), TimeSpan.FromHours(Next(3) - 1)).ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture);

    public string MalformedDate() => Pick(new[] { "2024-13-01", "2024-02-30", "24-01-01", "2024/01/01", "yesterday", "2024-01-01T00:00:00Z", "0000-00-00", "2024-1-1", "99999-01-01", "" });
    public string MalformedDateTime() => Pick(new[] { "2024-01-01", "2024-01-01T25:00:00Z", "2024-01-01T10:00:00", "now", "2024-13-01T00:00:00Z", "1e9", "2024-01-01T00:00:00+99:00", "9999-12-31T23:59:59-14:00x" });
    public string MalformedInt() => Pick(new[] { "abc", "1.5", "1e3", "99999999999", "-99999999999", "0x10", "", " 1", "١٢", "NaN" });

    /// <summary>A string matching the pattern (the subset used in the document: anchors, classes, {n}, groups with |).</summary>
    public string Matching(string pattern)
    {
        var body = pattern.TrimStart('^').TrimEnd('$');
        var text = new StringBuilder();
        Emit(body, text);
        var result = text.ToString();
        if (!Regex.IsMatch(result, pattern)) throw new InvalidOperationException($"The generator cannot produce '{pattern}' (made '{result}').");
        return result;
    }

    private void Emit(string pattern, StringBuilder text)
    {
        var alternatives = SplitTop(pattern, '|');
        var chosen = alternatives[Next(alternatives.Count)];
        for (var i = 0; i < chosen.Length;)
        {
            string atom;
            if (chosen[i] == '(') { var end = Close(chosen, i, '(', ')'); atom = chosen[i..(end + 1)]; i = end + 1; }
            else if (chosen[i] == '[') { var end = chosen.IndexOf(']', i); atom = chosen[i..(end + 1)]; i = end + 1; }
            else if (chosen[i] == '\\') { atom = chosen.Substring(i, 2); i += 2; }
            else { atom = chosen[i].ToString(); i++; }
            var count = 1;
            if (i < chosen.Length && chosen[i] == '{') { var end = chosen.IndexOf('}', i); count = int.Parse(chosen[(i + 1)..end], CultureInfo.InvariantCulture); i = end + 1; }
            for (var n = 0; n < count; n++)
            {
                if (atom[0] == '(') Emit(atom[1..^1], text);
                else if (atom[0] == '[') text.Append(Pick(Expand(atom[1..^1])));
                else if (atom[0] == '\\') text.Append(atom[1] == 'd' ? (char)('0' + Next(10)) : atom[1]);
                else text.Append(atom);
            }
        }
    }

    private static List<char> Expand(string set)
    {
        var chars = new List<char>();
        for (var i = 0; i < set.Length; i++)
        {
            if (i + 2 < set.Length && set[i + 1] == '-') { for (var c = set[i]; c <= set[i + 2]; c++) chars.Add(c); i += 2; }
            else chars.Add(set[i]);
        }
        return chars;
    }

    private static int Close(string text, int open, char left, char right)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            if (text[i] == left) depth++;
            else if (text[i] == right && --depth == 0) return i;
        }
        throw new InvalidOperationException($"Unbalanced pattern {text}");
    }

    private static List<string> SplitTop(string pattern, char separator)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] is '(' or '[') depth++;
            else if (pattern[i] is ')' or ']') depth--;
            else if (pattern[i] == separator && depth == 0) { parts.Add(pattern[start..i]); start = i + 1; }
        }
        parts.Add(pattern[start..]);
        return parts;
    }

    /// <summary>A JSON value nested <paramref name="depth"/> arrays deep.</summary>
    public static JsonNode Nested(int depth)
    {
        JsonNode node = JsonValue.Create(1);
        for (var i = 0; i < depth; i++) node = new JsonArray(node);
        return node;
    }
}
