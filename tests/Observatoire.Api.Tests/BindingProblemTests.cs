using System.Text.Json.Nodes;

namespace Observatoire.Api.Tests;

/// <summary>Requests the framework cannot bind: the 400 names the field by its path and the type expected there.</summary>
public sealed class BindingProblemTests
{
    private readonly HttpClient _writer = TestApi.Writer();

    [OneTimeTearDown]
    public void Dispose() => _writer.Dispose();

    private async Task<JsonNode> PostTerritory(string json, params string[] fields)
    {
        var response = await _writer.PostAsync("/v1/territories", HttpAssertions.RawJson(json));
        var body = await response.ShouldBeValidationProblem(fields);
        // The framework's own wording (.NET type names, "Path:", "LineNumber:") never reaches the client.
        Assert.That(body.ToJsonString(), Does.Not.Contain("Observatoire.").And.Not.Contain("LineNumber").And.Not.Contain("Path:"));
        return body;
    }

    private static string Error(JsonNode body, string field) => body["errors"]![field]![0]!.ToString();

    [Test]
    public async Task Malformed_json_is_located_by_line_and_byte()
    {
        var body = await PostTerritory("{\"phase\": \"2023-2027\",\n \"name\": }", "name");
        Assert.Multiple(() =>
        {
            Assert.That((string?)body["title"], Is.EqualTo("The request body is not valid JSON for this operation."));
            Assert.That(Error(body, "name"), Is.EqualTo("The body is not well-formed JSON (line 2, byte 10)."));
        });
    }

    [Test]
    public async Task A_wrong_type_in_a_nested_field_is_named_by_its_path_with_the_expected_type()
    {
        var body = await PostTerritory("{\"point\": {\"latitude\": \"north\", \"longitude\": 2}}", "point.latitude");
        Assert.Multiple(() =>
        {
            Assert.That(Error(body, "point.latitude"), Is.EqualTo("The value has the wrong type: expected a number."));
            Assert.That((string?)body["detail"], Is.EqualTo("The value at 'point.latitude' could not be read."));
        });
    }

    [Test]
    public async Task A_wrong_type_in_an_array_element_is_named_by_its_index()
    {
        var records = await PostTerritory("{\"communes\": [{\"inseeCode\": \"01001\", \"name\": \"x\"}, {\"inseeCode\": 5, \"name\": \"y\"}]}", "communes[1].inseeCode");
        var strings = await PostTerritory("{\"departmentCodes\": [\"21\", 1]}", "departmentCodes[1]");
        Assert.Multiple(() =>
        {
            Assert.That(Error(records, "communes[1].inseeCode"), Does.EndWith("expected a string."));
            Assert.That(Error(strings, "departmentCodes[1]"), Does.EndWith("expected a string."));
        });
    }

    [Test]
    public async Task A_null_where_the_contract_forbids_it_names_the_type_expected()
    {
        var body = await PostTerritory("{\"communes\": [{\"inseeCode\": \"01001\", \"name\": null}]}", "communes[0].name");
        Assert.That(Error(body, "communes[0].name"), Is.EqualTo("The value has the wrong type: expected a string."));
    }

    [TestCase("{\"point\": {\"latitude\": 47.3}}")]
    [TestCase("{\"point\": \"47.3,5.0\"}")]
    public async Task An_object_lacking_a_required_member_names_the_members_it_needs(string json)
    {
        var body = await PostTerritory(json, "point");
        Assert.That(Error(body, "point"), Is.EqualTo("The value must be an object with latitude and longitude."));
    }

    [Test]
    public async Task An_unknown_field_is_named_with_the_fields_its_object_takes()
    {
        var body = await PostTerritory("{\"point\": {\"latitude\": 47.3, \"longitude\": 5.0, \"altitude\": 245}}", "point.altitude");
        Assert.That(Error(body, "point.altitude"), Is.EqualTo("Unknown field 'altitude'. This object takes: latitude, longitude."));
    }

    [TestCase("[]")]
    [TestCase("\"2023-2027\"")]
    public async Task A_body_that_is_not_an_object_is_named_at_the_root(string json)
    {
        var body = await PostTerritory(json, "$");
        Assert.That(Error(body, "$"), Is.EqualTo("The value has the wrong type: expected an object."));
    }

    [TestCase("")]
    [TestCase("null")]
    public async Task A_missing_or_null_body_says_a_body_is_required(string json)
    {
        var body = await PostTerritory(json, "$");
        Assert.Multiple(() =>
        {
            Assert.That(Error(body, "$"), Is.EqualTo("A JSON request body is required."));
            Assert.That((string?)body["detail"], Is.EqualTo("A JSON request body is required."));
        });
    }

    [TestCase("/v1/territories?limit=abc", "limit", "'abc' is not a valid value for limit: expected an integer.")]
    [TestCase("/v1/territories?studied=maybe", "studied", "'maybe' is not a valid value for studied: expected true or false.")]
    [TestCase("/v1/territories?updatedSince=yesterday", "updatedSince", "'yesterday' is not a valid value for updatedSince: expected a date-time (RFC 3339).")]
    [TestCase("/v1/sessions?from=2024-13-01", "from", "'2024-13-01' is not a valid value for from: expected a date (YYYY-MM-DD).")]
    [TestCase("/v1/sessions?year=soon", "year", "'soon' is not a valid value for year: expected an integer.")]
    [TestCase("/v1/territories/2018-ti2707/projects?limit=soon", "limit", "'soon' is not a valid value for limit: expected an integer.")]
    public async Task A_query_value_of_the_wrong_type_is_named_with_the_expected_type(string url, string parameter, string message)
    {
        var body = await (await _writer.GetAsync(url)).ShouldBeValidationProblem(parameter);
        Assert.That(Error(body, parameter), Is.EqualTo(message));
    }

    // Forms the framework's own parsing would take: padded or signed integers, dates in another order or separator.
    [TestCase("/v1/territories?limit=%201", "limit", "' 1' is not a valid value for limit: expected an integer.")]
    [TestCase("/v1/changes?limit=%2B5", "limit", "'+5' is not a valid value for limit: expected an integer.")]
    [TestCase("/v1/sessions?year=2024%20", "year", "'2024 ' is not a valid value for year: expected an integer.")]
    [TestCase("/v1/sessions?from=2024/01/01", "from", "'2024/01/01' is not a valid value for from: expected a date (YYYY-MM-DD).")]
    [TestCase("/v1/sessions.ics?to=01/02/2024", "to", "'01/02/2024' is not a valid value for to: expected a date (YYYY-MM-DD).")]
    [TestCase("/v1/territories/2018-ti2707/sessions?from=2024-1-5", "from", "'2024-1-5' is not a valid value for from: expected a date (YYYY-MM-DD).")]
    public async Task A_query_integer_or_date_in_a_lenient_form_is_refused_not_reinterpreted(string url, string parameter, string message)
    {
        var body = await (await _writer.GetAsync(url)).ShouldBeValidationProblem(parameter);
        Assert.That(Error(body, parameter), Is.EqualTo(message));
    }

    [Test]
    public async Task Every_query_value_of_the_wrong_type_is_named_not_only_the_first()
    {
        var body = await (await _writer.GetAsync("/v1/sessions?from=tomorrow&to=later&limit=all")).ShouldBeValidationProblem("from", "to", "limit");
        Assert.That(body["errors"]!.AsObject().Select(e => e.Key), Is.EquivalentTo(new[] { "from", "to", "limit" }));
    }
}
