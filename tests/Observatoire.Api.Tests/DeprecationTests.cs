using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Tests;

/// <summary>
/// No operation is deprecated yet, so the mechanism of the versioning policy is shown on an endpoint of a
/// small host of this test's own, with the API's OpenAPI set-up.
/// </summary>
public sealed class DeprecationTests
{
    [Test]
    public async Task A_deprecated_operation_says_so_in_its_headers_and_in_the_document()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddObservatoireValidation();
        builder.Services.AddObservatoireOpenApi();
        await using var app = builder.Build();
        app.UseObservatoireOpenApi();
        app.MapGet("/v1/old", () => "old").WithName("getOld").WithSummary("Old").WithDescription("An old operation.").WithTags("Territories")
            .Deprecated(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), "/v1/new");
        await app.StartAsync();
        using var client = app.GetTestClient();

        var response = await client.GetAsync("/v1/old");
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        Assert.Multiple(() =>
        {
            Assert.That(response.Headers.GetValues("Deprecation").Single(), Is.EqualTo("@1767225600"));
            Assert.That(DateTimeOffset.Parse(response.Headers.GetValues("Sunset").Single(), CultureInfo.InvariantCulture),
                Is.EqualTo(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)));
            Assert.That(response.Headers.GetValues("Link").Single(), Is.EqualTo("</v1/new>; rel=\"successor-version\""));
            Assert.That((bool?)document["paths"]!["/v1/old"]!["get"]!["deprecated"], Is.True);
            Assert.That((string?)document["paths"]!["/v1/old"]!["get"]!["description"], Does.Contain("/v1/new"));
        });
        await app.StopAsync();
    }
}
