using System.Text.Json.Nodes;

namespace Observatoire.Api.Tests.Limits;

public sealed class LengthTests
{
    private readonly HttpClient _writer = TestApi.Writer();
    private readonly HttpClient _anonymous = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose()
    {
        _writer.Dispose();
        _anonymous.Dispose();
    }

    [Test]
    public async Task A_string_over_its_maxLength_is_a_400_naming_it_with_the_limit()
    {
        var source = Records.Source();
        source["publisher"] = new string('p', 201);
        var problem = await (await _writer.PostJson("/v1/sources", source)).ShouldBeValidationProblem("publisher");
        Assert.That((string?)problem["errors"]!["publisher"]![0], Does.Contain("200"));
    }

    [Test]
    public async Task A_list_over_its_maxItems_and_an_item_over_its_maxLength_are_400s_naming_them()
    {
        var territory = await Records.NewTerritory();
        var resource = Records.Resource(territory);
        resource["tags"] = Enumerable.Range(0, 31).Select(i => $"tag-{i}").ToArray();
        await (await _writer.PostJson("/v1/resources", resource)).ShouldBeValidationProblem("tags");
        resource["tags"] = new[] { new string('t', 51) };
        await (await _writer.PostJson("/v1/resources", resource)).ShouldBeValidationProblem("tags[0]");
    }

    [Test]
    public async Task A_nested_string_over_its_maxLength_is_named_by_its_path()
    {
        var session = Records.Session(speakers: [new { actorId = "x", role = new string('r', 1001) }]);
        await (await _writer.PostJson("/v1/sessions", session)).ShouldBeValidationProblem("speakers[0].role");
    }

    [TestCase("/v1/territories?q=")]
    [TestCase("/v1/search?q=")]
    public async Task A_search_string_over_200_characters_is_a_400_naming_q(string url)
    {
        var words = string.Join(' ', Enumerable.Repeat("saint", 34));
        var problem = await (await _anonymous.GetAsync(url + Uri.EscapeDataString(words))).ShouldBeValidationProblem("q");
        Assert.That((string?)problem["errors"]!["q"]![0], Does.Contain("200"));
        Assert.That((int)(await _anonymous.GetAsync(url + Uri.EscapeDataString(words[..200]))).StatusCode, Is.EqualTo(200));
    }

    [Test]
    public async Task Every_string_of_every_request_body_has_a_maxLength_and_every_array_a_maxItems_in_the_document()
    {
        var document = JsonNode.Parse(await _anonymous.GetStringAsync("/openapi/v1.json"))!;
        var schemas = document["components"]!["schemas"]!.AsObject();
        var missing = new List<string>();
        var seen = new HashSet<string>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                foreach (var (_, media) in operation?["requestBody"]?["content"]?.AsObject() ?? [])
                {
                    Walk(media!["schema"]!, $"{method} {path}");
                }
            }
        }
        Assert.That(seen, Has.Count.GreaterThanOrEqualTo(7), "every collection's request body was reached");
        Assert.That(missing, Is.Empty);

        void Walk(JsonNode schema, string where)
        {
            if ((string?)schema["$ref"] is { } reference)
            {
                var name = reference.Split('/')[^1];
                if (seen.Add(name)) Walk(schemas[name]!, name);
                return;
            }
            foreach (var key in new[] { "allOf", "oneOf", "anyOf" })
            {
                foreach (var part in schema[key]?.AsArray() ?? []) Walk(part!, where);
            }
            var types = schema["type"] is JsonArray list ? list.Select(t => (string?)t).ToList() : [(string?)schema["type"]];
            if (types.Contains("string") && schema["maxLength"] is null && schema["format"] is null) missing.Add($"{where}: string without maxLength");
            if (types.Contains("array"))
            {
                if (schema["maxItems"] is null) missing.Add($"{where}: array without maxItems");
                Walk(schema["items"]!, where + "[]");
            }
            foreach (var (name, property) in schema["properties"]?.AsObject() ?? []) Walk(property!, $"{where}.{name}");
        }
    }
}
