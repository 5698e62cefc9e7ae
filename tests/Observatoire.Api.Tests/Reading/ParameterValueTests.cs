using System.Text.Json.Nodes;

namespace Observatoire.Api.Tests.Reading;

/// <summary>Codes and closed lists in query parameters: a value of the wrong shape is a 400 naming the parameter.</summary>
public sealed class ParameterValueTests
{
    private readonly HttpClient _client = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    [TestCase("/v1/territories?commune=9001", "commune")]
    [TestCase("/v1/territories?commune=2C004", "commune")]
    [TestCase("/v1/territories?department=20", "department")]
    [TestCase("/v1/territories?department=977", "department")]
    [TestCase("/v1/territories?region=5", "region")]
    [TestCase("/v1/territories?epci=20006905", "epci")]
    [TestCase("/v1/territories?code=TI27", "code")]
    [TestCase("/v1/territories?code=ti2707", "code")]
    [TestCase("/v1/territories?phase=2019", "phase")]
    [TestCase("/v1/resources?kind=wood", "kind")]
    [TestCase("/v1/territories/2018-ti2707/actors?category=mayor", "category")]
    [TestCase("/v1/sessions.ics?sessionFormat=online", "sessionFormat")]
    [TestCase("/v1/territories?format=geojson&geometry=centre", "geometry")]
    [TestCase("/v1/sources?format=csv&delimiter=x", "delimiter")]
    public async Task A_value_that_does_not_fit_the_parameter_is_a_problem_naming_it(string url, string parameter)
    {
        var body = await (await _client.GetAsync(url)).ShouldBeValidationProblem(parameter);
        Assert.That(body["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { parameter }));
    }

    // A collection's list, its facets, its calendar and its lists under a territory or an actor read one set of filters:
    // each route refuses a value in the same words.
    [TestCase("type=robot", "type", "type must be one of: organisation, person.",
        "/v1/actors /v1/actors/facets /v1/territories/2018-ti2707/actors")]
    [TestCase("kind=wood", "kind", "kind must be one of: natural, material, immaterial, human, financial, network.",
        "/v1/resources /v1/resources/facets /v1/territories/2018-ti2707/resources")]
    [TestCase("sessionFormat=online", "sessionFormat", "sessionFormat must be one of: inaugural, territorial, thematic.",
        "/v1/sessions /v1/sessions/facets /v1/sessions.ics /v1/territories/2018-ti5209/sessions /v1/actors/person-016/sessions")]
    [TestCase("year=99", "year", "year must be a year of four digits, e.g. 2020.",
        "/v1/sessions /v1/sessions/facets /v1/sessions.ics /v1/territories/2018-ti5209/sessions /v1/actors/person-016/sessions")]
    [TestCase("from=2024-02-01&to=2024-01-01", "to", "to must not be before from: both days are included.",
        "/v1/sessions /v1/sessions/facets /v1/sessions.ics /v1/territories/2018-ti5209/sessions /v1/actors/person-016/sessions")]
    [TestCase("region=5", "region", "'5' is not a valid region: it must match ^[0-9]{2}$.", "/v1/territories /v1/territories/facets")]
    public async Task Every_route_of_a_list_refuses_a_filter_value_in_the_same_words(string query, string parameter, string message, string routes)
    {
        foreach (var route in routes.Split(' '))
        {
            var body = await (await _client.GetAsync($"{route}?{query}")).ShouldBeValidationProblem(parameter);
            Assert.That(body["errors"]!.ToJsonString(), Is.EqualTo(new JsonObject { [parameter] = new JsonArray(message) }.ToJsonString()), route);
        }
    }

    // The list under a record takes that record from its path, not as a filter.
    [TestCase("/v1/territories/2018-ti2707/actors?territory=2018-ti2707", "territory",
        "category, cursor, delimiter, format, id, limit, q, sort, type, updatedSince")]
    [TestCase("/v1/territories/2018-ti2707/resources?territory=2018-ti2707", "territory",
        "actor, cursor, delimiter, format, id, kind, limit, q, sort, tag, updatedSince")]
    [TestCase("/v1/territories/2018-ti2707/projects?territory=2018-ti2707", "territory",
        "actor, cursor, delimiter, format, id, limit, q, resource, sort, updatedSince")]
    [TestCase("/v1/territories/2018-ti2707/figures?territory=2018-ti2707", "territory",
        "cursor, delimiter, format, id, limit, q, sort, updatedSince")]
    [TestCase("/v1/territories/2018-ti5209/sessions?territory=2018-ti5209", "territory",
        "cursor, delimiter, format, from, id, limit, q, sessionFormat, sort, speaker, to, updatedSince, year")]
    [TestCase("/v1/actors/person-016/sessions?speaker=person-016", "speaker",
        "cursor, delimiter, format, from, id, limit, q, sessionFormat, sort, territory, to, updatedSince, year")]
    public async Task A_list_under_a_record_does_not_take_that_record_as_a_filter(string url, string parameter, string takes)
    {
        var body = await (await _client.GetAsync(url)).ShouldBeValidationProblem(parameter);
        Assert.That(body["errors"]![parameter]![0]!.ToString(), Is.EqualTo($"Unknown parameter '{parameter}'. This operation takes: {takes}."));
    }

    [Test]
    public async Task Every_parameter_of_the_wrong_shape_is_named_at_once()
    {
        await (await _client.GetAsync("/v1/territories?commune=x&department=y&epci=z")).ShouldBeValidationProblem("commune", "department", "epci");
    }

    [TestCase("/v1/territories?department=2A")]
    [TestCase("/v1/territories?department=971")]
    [TestCase("/v1/territories?commune=2A004")]
    [TestCase("/v1/territories?phase=2023-2027&code=ti-2708")]
    [TestCase("/v1/territories?phase=2018-2022&code=TI2707&region=27")]
    public async Task Codes_of_every_shape_the_data_holds_are_accepted(string url)
    {
        var response = await _client.GetAsync(url);
        Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That((await response.JsonBody())["items"]!.AsArray(), Is.Not.Empty);
    }
}
