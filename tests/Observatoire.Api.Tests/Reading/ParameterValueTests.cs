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
