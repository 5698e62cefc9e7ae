namespace Observatoire.Api.Tests.Changes;

public sealed class ChangeFeedParameterTests
{
    private readonly HttpClient _anonymous = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _anonymous.Dispose();

    [TestCase("cursor=abc", "cursor")]
    [TestCase("updatedSince=2026-11-26T09:00:00Z", "updatedSince")]
    public async Task An_unknown_parameter_of_the_change_feed_is_a_problem_naming_it(string query, string parameter)
    {
        var body = await (await _anonymous.GetAsync($"/v1/changes?{query}")).ShouldBeValidationProblem(parameter);
        Assert.That(body["errors"]![parameter]![0]!.ToString(), Does.Contain("limit, since"));
    }
}
