using System.Net;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Observatoire.Api.Database;

namespace Observatoire.Api.Tests;

/// <summary>
/// openapi.yaml at the repository root is the committed contract (OpenAPI 3.1), and
/// contracts/openapi/openapi-3.0.json its rendering for older tools. Regenerate both with
/// <c>OPENAPI_UPDATE=1 dotnet test --filter FullyQualifiedName~OpenApiDocumentTests</c>.
/// </summary>
public sealed class OpenApiDocumentTests
{
    public static string RepositoryFile(string name) =>
        Path.Combine(DatabaseSetup.RepositoryRoot(TestContext.CurrentContext.TestDirectory), name);

    [TestCase("/openapi/v1.yaml", "openapi.yaml")]
    [TestCase("/openapi/v1.openapi-3.0.json", "contracts/openapi/openapi-3.0.json")]
    public async Task The_served_document_equals_the_committed_one(string url, string file)
    {
        using var client = TestApi.Anonymous();
        var served = await client.GetStringAsync(url);
        var committedPath = RepositoryFile(file);
        if (Environment.GetEnvironmentVariable("OPENAPI_UPDATE") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(committedPath)!);
            await File.WriteAllTextAsync(committedPath, served);
        }
        Assert.That(File.Exists(committedPath), $"{committedPath} is missing: regenerate it (see this class's summary).");
        var committed = await File.ReadAllTextAsync(committedPath);
        Assert.That(served, Is.EqualTo(committed),
            $"The API's document differs from {file}: regenerate it with OPENAPI_UPDATE=1 dotnet test --filter FullyQualifiedName~OpenApiDocumentTests, and review the diff.");
    }

    [Test]
    public async Task The_openapi_3_0_rendering_reads_back_without_errors_or_warnings()
    {
        using var client = TestApi.Anonymous();
        var result = OpenApiDocument.Parse(await client.GetStringAsync("/openapi/v1.openapi-3.0.json"), "json", new OpenApiReaderSettings());
        Assert.Multiple(() =>
        {
            Assert.That(result.Diagnostic?.Errors, Is.Empty, string.Join("\n", result.Diagnostic?.Errors.Select(e => e.ToString()) ?? []));
            Assert.That(result.Diagnostic?.Warnings, Is.Empty, string.Join("\n", result.Diagnostic?.Warnings.Select(e => e.ToString()) ?? []));
            Assert.That(result.Diagnostic?.SpecificationVersion, Is.EqualTo(OpenApiSpecVersion.OpenApi3_0));
            Assert.That(result.Document?.Paths.Keys, Does.Contain("/v1/territories"));
        });
    }

    [Test]
    public async Task Every_example_in_the_document_matches_its_own_schema()
    {
        using var client = TestApi.Anonymous();
        var document = System.Text.Json.Nodes.JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        var checkedExamples = 0;
        Assert.Multiple(() =>
        {
            foreach (var (path, item) in document["paths"]!.AsObject())
            {
                foreach (var (method, operation) in item!.AsObject())
                {
                    foreach (var (status, response) in operation!["responses"]!.AsObject())
                    {
                        foreach (var (mediaType, content) in response!["content"]?.AsObject() ?? [])
                        {
                            var where = $"{method.ToUpperInvariant()} {path} {status} {mediaType}";
                            var example = content!["example"];
                            Assert.That(example, Is.Not.Null, $"{where}: no example");
                            if (example is null) continue;
                            var concretePath = path.Replace("{id}", "2018-ti0000");
                            Assert.That(TestApi.Contract.Check(method.ToUpperInvariant(), concretePath, int.Parse(status), mediaType, example.ToJsonString()), Is.Empty, where);
                            checkedExamples++;
                        }
                    }
                }
            }
        });
        Assert.That(checkedExamples, Is.GreaterThan(20));
    }

    [TestCase("/openapi/v1.json", "json")]
    [TestCase("/openapi/v1.yaml", "yaml")]
    public async Task The_document_reads_back_as_openapi_3_1_without_errors_or_warnings(string url, string format)
    {
        using var client = TestApi.Anonymous();
        var response = await client.GetAsync(url);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var settings = new OpenApiReaderSettings();
        settings.AddYamlReader();
        var result = OpenApiDocument.Parse(await response.Content.ReadAsStringAsync(), format, settings);
        Assert.Multiple(() =>
        {
            Assert.That(result.Diagnostic?.Errors, Is.Empty, string.Join("\n", result.Diagnostic?.Errors.Select(e => e.ToString()) ?? []));
            Assert.That(result.Diagnostic?.Warnings, Is.Empty, string.Join("\n", result.Diagnostic?.Warnings.Select(e => e.ToString()) ?? []));
            Assert.That(result.Diagnostic?.SpecificationVersion, Is.EqualTo(OpenApiSpecVersion.OpenApi3_1));
            Assert.That(result.Document?.Paths.Keys, Does.Contain("/v1/territories"));
        });
    }

    [Test]
    public async Task Every_operation_has_an_id_a_tag_a_summary_and_its_error_responses()
    {
        using var client = TestApi.Anonymous();
        var settings = new OpenApiReaderSettings();
        var result = OpenApiDocument.Parse(await client.GetStringAsync("/openapi/v1.json"), "json", settings);
        var operations = result.Document!.Paths.SelectMany(p => p.Value.Operations!.Select(o => (Path: p.Key, Method: o.Key, Operation: o.Value))).ToList();
        Assert.That(operations, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (var (path, method, operation) in operations)
            {
                var where = $"{method} {path}";
                Assert.That(operation.OperationId, Is.Not.Null.And.Not.Empty, where);
                Assert.That(operation.Tags, Is.Not.Null.And.Not.Empty, where);
                Assert.That(operation.Summary, Is.Not.Null.And.Not.Empty, where);
                Assert.That(operation.Description, Is.Not.Null.And.Not.Empty, where);
                Assert.That(operation.Responses!.Keys, Is.SupersetOf(new[] { "405", "500" }), where);
                foreach (var parameter in operation.Parameters ?? [])
                {
                    Assert.That(parameter.Description, Is.Not.Null.And.Not.Empty, $"{where} parameter {parameter.Name}");
                }
                Assert.That(operation.Responses!.Keys.Any(k => k.StartsWith('2')), where);
                foreach (var (status, response) in operation.Responses!.Where(r => r.Key[0] is '4' or '5'))
                {
                    Assert.That(response.Content!.Keys, Is.EqualTo(new[] { "application/problem+json" }), $"{where} {status}");
                }
                if (operation.RequestBody is not null)
                {
                    Assert.That(operation.Responses!.Keys, Is.SupersetOf(new[] { "400", "415" }), where);
                    Assert.That(operation.RequestBody.Content!["application/json"].Example ?? operation.RequestBody.Content!["application/json"].Examples?.Values.FirstOrDefault()?.Value,
                        Is.Not.Null, $"{where}: request body example");
                }
                if (method != HttpMethod.Get)
                {
                    Assert.That(operation.Responses!.Keys, Does.Contain("401"), where);
                    Assert.That(operation.Security, Is.Not.Null.And.Not.Empty, where);
                }
            }
        });
    }
}
