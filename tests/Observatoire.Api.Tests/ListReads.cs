using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Observatoire.Api.Tests;

/// <summary>
/// Reading lists in tests: every page of a list, a CSV export parsed back and compared with the JSON, a conditional
/// read answered 304, and the document's examples compared with what the API serves.
/// </summary>
public static partial class ListReads
{
    /// <summary>A word of letters only that no seeded record and no other test holds, for searches that must find only a test's records.</summary>
    public static string FreshWord() => "zq" + string.Concat(Guid.NewGuid().ToString("N").Select(c => (char)('a' + Convert.ToInt32(c.ToString(), 16))))[..10];

    /// <summary>The ids of every item of a list, following links.next.</summary>
    public static async Task<List<string>> Ids(HttpClient client, string url) =>
        [.. (await Records.ReadAll(client, url)).Select(i => (string)i["id"]!)];

    /// <summary>A 200 JSON body.</summary>
    public static async Task<JsonNode> Json(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonNode.Parse(text)!;
    }

    /// <summary>The cursor of a page's links.next, as the API gave it.</summary>
    public static string NextCursor(JsonNode page)
    {
        var next = (string?)page["links"]!["next"] ?? throw new AssertionException("The page has no next link.");
        return Uri.UnescapeDataString(next.Split("cursor=")[1].Split('&')[0]);
    }

    /// <summary>Reads a CSV export, checks its media type, charset and byte order mark, and returns its rows, the header first.</summary>
    public static async Task<List<string[]>> Csv(HttpClient client, string url, char delimiter = ';')
    {
        var response = await client.GetAsync(url);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), Encoding.UTF8.GetString(bytes));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
            Assert.That(response.Content.Headers.ContentType?.CharSet, Is.EqualTo("utf-8"));
            Assert.That(bytes.Take(3), Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }), "a byte order mark");
        });
        return Reading.Csv.Parse(Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3), delimiter);
    }

    /// <summary>
    /// Asserts that the CSV rows (header first) hold the JSON items, in the same order, field by field: a list is
    /// joined with |, sourceIds are the ids of sources, with ; as delimiter decimals take a comma. With
    /// <paramref name="membersOnly"/>, columns that are not members of the JSON items (such as a point's latitude) are skipped.
    /// </summary>
    public static void AssertCsvHoldsJson(List<string[]> csv, IReadOnlyList<JsonNode> items, char delimiter = ';', bool membersOnly = false)
    {
        var header = csv[0];
        Assert.That(csv.Skip(1).Select(r => r[0]), Is.EqualTo(items.Select(i => (string?)i["id"])), "the same rows in the same order");
        Assert.Multiple(() =>
        {
            for (var i = 0; i < items.Count; i++)
            {
                var row = csv[i + 1];
                Assert.That(row, Has.Length.EqualTo(header.Length), $"row {i + 1}");
                for (var c = 0; c < header.Length; c++)
                {
                    var name = header[c];
                    if (membersOnly && name != "sourceIds" && !items[i].AsObject().ContainsKey(name)) continue;
                    var value = name == "sourceIds" ? new JsonArray([.. items[i]["sources"]!.AsArray().Select(s => (JsonNode?)JsonValue.Create((string?)s!["id"]))]) : items[i][name];
                    Assert.That(items[i].AsObject().ContainsKey(name) || name == "sourceIds", $"{name} is a field of the JSON item");
                    if (name.EndsWith("At", StringComparison.Ordinal))
                    {
                        Assert.That(Instant(row[c]), Is.EqualTo(Instant((string)value!)), $"{items[i]["id"]} {name}");
                    }
                    else
                    {
                        Assert.That(row[c], Is.EqualTo(CsvField(value, delimiter)), $"{items[i]["id"]} {name}");
                    }
                }
            }
        });
    }

    private static DateTime Instant(string text) => DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);

    private static string CsvField(JsonNode? value, char delimiter) => value switch
    {
        null => "",
        JsonArray list => CsvText(string.Join("|", list.Select(v => (string?)v))),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => CsvText((string)v!),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => delimiter == ';' ? v.ToJsonString().Replace('.', ',') : v.ToJsonString(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => (bool)v ? "true" : "false",
        _ => throw new AssertionException($"No CSV form for {value.ToJsonString()}"),
    };

    /// <summary>A text cell as an export writes it: after a single quote when a spreadsheet would run it as a formula.</summary>
    public static string CsvText(string text) => text.Length > 0 && "=+-@\t\r".Contains(text[0]) ? "'" + text : text;

    /// <summary>
    /// Asserts that a conditional GET with the ETag of a first read answers 304 without a body. The snapshot behind
    /// the ETag moves whenever any writing transaction runs (another test, a background ANALYZE): then the answer is
    /// a fresh 200 with a new ETag, and the next conditional request must be a 304.
    /// </summary>
    public static async Task ShouldAnswer304WhenUnchanged(HttpClient client, string url)
    {
        var first = await client.GetAsync(url);
        Assert.Multiple(() =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(first.Headers.ETag, Is.Not.Null);
            Assert.That(first.Headers.ETag!.IsWeak, Is.False);
            Assert.That(first.Content.Headers.LastModified, Is.Not.Null);
            Assert.That(first.Headers.CacheControl?.Public, Is.True);
        });
        var etag = first.Headers.ETag!;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.IfNoneMatch.Add(etag);
            var again = await client.SendAsync(request);
            if (again.StatusCode == HttpStatusCode.NotModified)
            {
                Assert.That(await again.Content.ReadAsStringAsync(), Is.Empty);
                Assert.That(again.Headers.ETag, Is.EqualTo(etag));
                return;
            }
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(again.Headers.ETag, Is.Not.EqualTo(etag), "a 200 to a matching If-None-Match must carry a new ETag");
            etag = again.Headers.ETag!;
        }
        Assert.Fail("If-None-Match with the current ETag never answered 304.");
    }

    /// <summary>
    /// Asserts that a document example of a record is what the API serves for it, the times of loading apart, and the
    /// lists of records that refer to it (other records own those links).
    /// </summary>
    public static void AssertExampleServed(object example, JsonNode served, params string[] ignored)
    {
        var expected = JsonSerializer.SerializeToNode(example, HttpAssertions.Json)!.AsObject();
        var actual = served.DeepClone().AsObject();
        foreach (var name in ignored.Concat(["createdAt", "updatedAt"]))
        {
            expected.Remove(name);
            actual.Remove(name);
        }
        Assert.That(actual.ToJsonString(), Is.EqualTo(expected.ToJsonString()));
    }

    /// <summary>
    /// Asserts that a document example of a page is served: the page it shows has a next link like it (the cursor
    /// apart: cursors are signed with each deployment's key, so the example's is refused), and each of its items is
    /// served as it is (times apart) by the list it comes from. Items other tests add to that list are allowed.
    /// </summary>
    public static async Task AssertPageExampleServed<T>(HttpClient client, Observatoire.Contracts.Page<T> example, params string[] ignored)
    {
        var next = example.Links.Next ?? throw new AssertionException("The example has no next link.");
        var first = await Json(client, CursorParameter().Replace(next, ""));
        var servedNext = (string?)first["links"]!["next"] ?? throw new AssertionException($"No next link from {next}");
        Assert.That(CursorParameter().Replace(servedNext, ""), Is.EqualTo(CursorParameter().Replace(next, "")));
        Assert.That((int)(await client.GetAsync(next)).StatusCode, Is.EqualTo(400), "the example's cursor is accepted nowhere");
        var all = await Records.ReadAll(client, LimitParameter().Replace(CursorParameter().Replace(next, ""), ""));
        foreach (var item in example.Items)
        {
            var expected = JsonSerializer.SerializeToNode(item, HttpAssertions.Json)!;
            var served = all.SingleOrDefault(i => (string?)i["id"] == (string?)expected["id"]);
            Assert.That(served, Is.Not.Null, $"{expected["id"]} is served by {next}");
            AssertExampleServed(item!, served!, ignored);
        }
    }

    /// <summary>
    /// Asserts that each data row of a CSV example is served as it is by <paramref name="url"/> (times apart: the
    /// example shows the seeds loaded at 09:00), and that the header is the same. Rows other tests add are allowed.
    /// </summary>
    public static async Task AssertCsvExampleServed(HttpClient client, string url, string example, params string[] ignoredColumns)
    {
        var servedRows = await Csv(client, url);
        var expectedRows = Reading.Csv.Parse(example, ';');
        string Keep(IReadOnlyList<string> header, IEnumerable<string> row) =>
            string.Join('\u001f', row.Where((_, i) => !ignoredColumns.Contains(header[i])));
        var served = servedRows.Select(r => Keep(servedRows[0], r)).Select(WithoutTimes).ToList();
        var expected = expectedRows.Select(r => Keep(expectedRows[0], r)).Select(WithoutTimes).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(served[0], Is.EqualTo(expected[0]), "header");
            Assert.That(served.Skip(1), Is.SupersetOf(expected.Skip(1)));
        });
    }

    private static string WithoutTimes(string text) => Time().Replace(text, "<time>");

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")]
    private static partial Regex Time();

    [GeneratedRegex(@"&cursor=[^&]*")]
    private static partial Regex CursorParameter();

    [GeneratedRegex(@"&limit=[^&]*")]
    private static partial Regex LimitParameter();
}
