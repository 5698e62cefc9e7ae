using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Observatoire.Api.Tests.Territories;

namespace Observatoire.Api.Tests.Reading;

public sealed class ExportTests
{
    private readonly HttpClient _client = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    private async Task<List<JsonNode>> AllJson(string query)
    {
        var items = new List<JsonNode>();
        string? next = $"/v1/territories?{query}&limit=200";
        while (next is not null)
        {
            var page = await (await _client.GetAsync(next)).JsonBody();
            items.AddRange(page["items"]!.AsArray().Select(i => i!));
            next = (string?)page["links"]!["next"];
        }
        return items;
    }

    [Test]
    public async Task A_csv_export_is_utf8_with_bom_semicolons_decimal_commas_and_holds_what_json_holds()
    {
        var response = await _client.GetAsync("/v1/territories?format=csv&region=27");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
            Assert.That(response.Content.Headers.ContentType?.CharSet, Is.EqualTo("utf-8"));
            Assert.That(bytes.Take(3), Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }));
        });
        var rows = Csv.Parse(Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3), ';');
        var header = rows[0].ToList();
        Assert.That(header, Is.EqualTo(new[] { "id", "phase", "code", "name", "regionCodes", "regionNames", "departments", "communeCount", "latitude", "longitude", "studied", "updatedAt", "version" }));

        var json = await AllJson("region=27");
        Assert.That(rows.Count - 1, Is.EqualTo(json.Count));
        for (var i = 0; i < json.Count; i++)
        {
            var csv = rows[i + 1];
            var item = json[i];
            Assert.Multiple(() =>
            {
                Assert.That(csv[header.IndexOf("id")], Is.EqualTo((string?)item["id"]));
                Assert.That(csv[header.IndexOf("name")], Is.EqualTo((string?)item["name"]));
                Assert.That(csv[header.IndexOf("departments")], Is.EqualTo(string.Join("|", item["departments"]!.AsArray().Select(d => (string?)d))));
                Assert.That(csv[header.IndexOf("regionNames")], Is.EqualTo(string.Join("|", item["regions"]!.AsArray().Select(r => (string?)r!["name"]))));
                Assert.That(int.Parse(csv[header.IndexOf("communeCount")], CultureInfo.InvariantCulture), Is.EqualTo((int?)item["communeCount"]));
                Assert.That(csv[header.IndexOf("studied")], Is.EqualTo((bool)item["studied"]! ? "true" : "false"));
                if (item["point"] is { } point)
                {
                    Assert.That(csv[header.IndexOf("latitude")], Does.Not.Contain("."));
                    Assert.That(double.Parse(csv[header.IndexOf("latitude")].Replace(',', '.'), CultureInfo.InvariantCulture), Is.EqualTo((double)point["latitude"]!));
                }
                Assert.That(DateTime.Parse(csv[header.IndexOf("updatedAt")], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal),
                    Is.EqualTo(DateTime.Parse((string)item["updatedAt"]!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal)));
            });
        }
    }

    [Test]
    public async Task The_accept_header_chooses_csv_and_the_delimiter_option_changes_separators_and_quoting()
    {
        var code = TerritoryRequests.FreshCode2023();
        var name = "Essai; \"quoted\", with\nnew line";
        using var writer = TestApi.Writer();
        (await writer.PostJson("/v1/territories", TerritoryRequests.Valid(code, name))).EnsureSuccessStatusCode();

        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/territories?code={code}&delimiter=comma");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var response = await _client.SendAsync(request);
        var text = (await response.Content.ReadAsStringAsync()).TrimStart('\uFEFF');
        var rows = Csv.Parse(text, ',');
        Assert.Multiple(() =>
        {
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
            Assert.That(rows, Has.Count.EqualTo(2));
            Assert.That(rows[1][3], Is.EqualTo(name));
            Assert.That(rows[1][8], Is.EqualTo("47.64"), "decimal point with a comma delimiter");
        });
    }

    [Test]
    public async Task A_text_cell_a_spreadsheet_would_run_as_a_formula_starts_with_a_quote_while_negative_numbers_stay_numbers()
    {
        var territory = await Records.NewTerritory();
        string[] labels = ["=HYPERLINK(\"http://example.invalid\";\"clic\")", "+33 emplois", "-12 % sur un an", "@SUM(A1:A2)", "Emplois - industrie"];
        foreach (var label in labels)
        {
            var figure = Records.Figure(territory);
            figure["label"] = label;
            figure["valueText"] = "-12,5 %";
            figure["valueNumeric"] = -12.5m;
            await Records.CreateId("figures", figure);
        }

        var response = await _client.GetAsync($"/v1/figures?territory={territory}&format=csv");
        var text = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync()).TrimStart('\uFEFF');
        var rows = Csv.Parse(text, ';');
        var header = rows[0].ToList();
        var json = await Records.ReadAll(_client, $"/v1/figures?territory={territory}");
        Assert.Multiple(() =>
        {
            Assert.That(rows.Skip(1).Select(r => r[header.IndexOf("label")]),
                Is.EquivalentTo(new[] { "'=HYPERLINK(\"http://example.invalid\";\"clic\")", "'+33 emplois", "'-12 % sur un an", "'@SUM(A1:A2)", "Emplois - industrie" }));
            Assert.That(text, Does.Contain("\"'=HYPERLINK(\"\"http://example.invalid\"\";\"\"clic\"\")\""), "quoted, inner quotes doubled, after the single quote");
            Assert.That(rows.Skip(1).Select(r => r[header.IndexOf("valueText")]), Is.All.EqualTo("'-12,5 %"));
            Assert.That(rows.Skip(1).Select(r => r[header.IndexOf("valueNumeric")]), Is.All.EqualTo("-12,5"));
            Assert.That(text, Does.Contain(";\"'-12,5 %\";-12,5;"), "the escaped text quoted, the number bare: a number for the spreadsheet");
            Assert.That(json.Select(f => (string?)f["label"]), Is.EquivalentTo(labels), "JSON keeps the text as written");
        });
    }

    [TestCase("", ';', "-12,5")]
    [TestCase("&delimiter=semicolon", ';', "-12,5")]
    [TestCase("&delimiter=;", ';', "-12,5")]
    [TestCase("&delimiter=comma", ',', "-12.5")]
    [TestCase("&delimiter=tab", '\t', "-12.5")]
    [TestCase("&delimiter=pipe", '|', "-12.5")]
    public async Task Each_delimiter_separates_the_cells_quotes_those_holding_it_and_only_the_semicolon_brings_decimal_commas(string option, char delimiter, string number)
    {
        var territory = await Records.NewTerritory();
        var label = "Part; \"industrie\", tab\there | pipe\r\nsecond line\rthird\nfourth";
        var figure = Records.Figure(territory);
        figure["label"] = label;
        figure["valueNumeric"] = -12.5m;
        await Records.CreateId("figures", figure);

        var response = await _client.GetAsync($"/v1/figures?territory={territory}&format=csv{option.Replace(";", "%3B")}");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var text = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
        var rows = Csv.Parse(text, delimiter);
        Assert.Multiple(() =>
        {
            Assert.That(bytes.Take(3), Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }), "a byte order mark");
            Assert.That(text.Split("\r\n")[0], Is.EqualTo(string.Join(delimiter, "id", "territoryId", "label", "valueText", "valueNumeric", "unit", "referenceDate", "sourceIds", "createdAt", "updatedAt", "version")));
            Assert.That(rows, Has.Count.EqualTo(2));
            Assert.That(rows[1], Has.Length.EqualTo(11));
            Assert.That(rows[1][2], Is.EqualTo(label));
            Assert.That(text, Does.Contain(delimiter + "\"" + label.Replace("\"", "\"\"") + "\"" + delimiter), "RFC 4180: quoted, inner quotes doubled, line breaks kept");
            Assert.That(rows[1][4], Is.EqualTo(number));
            Assert.That(text, Does.EndWith("\r\n"));
        });
    }

    [TestCase("format=xml", "format")]
    [TestCase("format=ics", "format")]
    [TestCase("format=csv&delimiter=x", "delimiter")]
    [TestCase("format=geojson&geometry=centroid", "geometry")]
    public async Task An_unknown_format_or_option_is_a_problem_naming_it(string query, string parameter)
    {
        await (await _client.GetAsync($"/v1/territories?{query}")).ShouldBeValidationProblem(parameter);
    }

    [Test]
    public async Task The_geojson_export_is_a_valid_rfc_7946_feature_collection_of_perimeters()
    {
        var response = await _client.GetAsync("/v1/territories?format=geojson&phase=2018-2022");
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/geo+json"));
        var collection = await response.JsonBody();
        Assert.That((string?)collection["type"], Is.EqualTo("FeatureCollection"));
        var features = collection["features"]!.AsArray();
        Assert.That(features.Count(f => !TerritoryRequests.IsTestId((string)f!["id"]!)), Is.EqualTo(148));
        foreach (var feature in features.Where(f => !TerritoryRequests.IsTestId((string)f!["id"]!)))
        {
            Assert.That((string?)feature!["type"], Is.EqualTo("Feature"));
            Assert.That((string?)feature["properties"]!["id"], Is.EqualTo((string?)feature["id"]));
            Assert.That(feature.AsObject().ContainsKey("crs"), Is.False);
            var geometry = feature["geometry"]!;
            var type = (string)geometry["type"]!;
            Assert.That(type, Is.AnyOf("Polygon", "MultiPolygon"), (string?)feature["id"]);
            var polygons = type == "Polygon" ? [geometry["coordinates"]!.AsArray()] : geometry["coordinates"]!.AsArray().Select(p => p!.AsArray()).ToList();
            foreach (var ring in polygons.SelectMany(p => p.Select(r => r!.AsArray())))
            {
                Assert.That(ring.Count, Is.GreaterThanOrEqualTo(4));
                Assert.That(ring[0]!.ToJsonString(), Is.EqualTo(ring[^1]!.ToJsonString()), "a closed ring");
                foreach (var position in ring)
                {
                    Assert.That((double)position![0]!, Is.InRange(-180.0, 180.0));
                    Assert.That((double)position[1]!, Is.InRange(-90.0, 90.0));
                }
            }
        }
    }

    [Test]
    public async Task The_geojson_export_can_give_each_territory_as_its_point_longitude_first()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/territories?code=TI2707&geometry=point");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/geo+json"));
        var collection = await (await _client.SendAsync(request)).JsonBody();
        var feature = collection["features"]![0]!;
        var json = await (await _client.GetAsync("/v1/territories/2018-ti2707")).JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That((string?)feature["geometry"]!["type"], Is.EqualTo("Point"));
            Assert.That((double?)feature["geometry"]!["coordinates"]![0], Is.EqualTo((double?)json["point"]!["longitude"]));
            Assert.That((double?)feature["geometry"]!["coordinates"]![1], Is.EqualTo((double?)json["point"]!["latitude"]));
            Assert.That((string?)feature["properties"]!["name"], Is.EqualTo("Nord Franche-Comté"));
        });
    }
}
