namespace Observatoire.Api.Tests.Reading;

public sealed class SparseFieldsTests
{
    private readonly HttpClient _client = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    [TestCase("/v1/resources?territory=2018-ti2707", "name,kind")]
    [TestCase("/v1/actors?type=organisation", "name")]
    [TestCase("/v1/projects", "name,year")]
    [TestCase("/v1/figures?territory=2018-ti2707", "label,valueText")]
    [TestCase("/v1/sources", "url")]
    [TestCase("/v1/sessions", "date,title")]
    [TestCase("/v1/territories/2018-ti2707/resources", "name")]
    [TestCase("/v1/actors/person-023/sessions", "title")]
    public async Task Every_list_gives_sparse_rows_with_fields(string url, string fields)
    {
        var body = await (await _client.GetAsync($"{url}{(url.Contains('?') ? '&' : '?')}fields={fields}")).JsonBody();
        var items = body["items"]!.AsArray();
        var expected = fields.Split(',').Append("id").Order(StringComparer.Ordinal).ToList();
        Assert.That(items, Is.Not.Empty);
        Assert.That(items.Select(i => i!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ToList()),
            Has.All.SubsetOf(expected).And.All.Contains("id"));
    }

    [Test]
    public async Task Sparse_rows_come_as_their_own_media_type_and_full_rows_as_json()
    {
        var sparse = await _client.GetAsync("/v1/territories?fields=name&limit=2");
        var full = await _client.GetAsync("/v1/territories?limit=2");
        Assert.Multiple(() =>
        {
            Assert.That(sparse.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK));
            Assert.That(sparse.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/vnd.observatoire.sparse+json"));
            Assert.That(full.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
            Assert.That(sparse.Headers.Vary, Is.EquivalentTo(full.Headers.Vary).And.Contain("Accept"));
        });
        var fullItems = (await full.JsonBody())["items"]!.AsArray();
        var sparseItems = (await sparse.JsonBody())["items"]!.AsArray();
        Assert.That(sparseItems.Select(i => i!.ToJsonString()),
            Is.EqualTo(fullItems.Select(i => new System.Text.Json.Nodes.JsonObject { ["id"] = i!["id"]!.DeepClone(), ["name"] = i["name"]!.DeepClone() }.ToJsonString())));
    }

    [Test]
    public async Task A_field_a_collection_does_not_have_is_a_problem_naming_fields()
    {
        var body = await (await _client.GetAsync("/v1/sessions?fields=communeCount")).ShouldBeValidationProblem("fields");
        Assert.That(body["errors"]!["fields"]![0]!.ToString(), Does.Contain("communeCount"));
    }
}
