using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Observatoire.Api.Tests;

/// <summary>The response check of the harness can fail: wrong responses are caught.</summary>
public sealed class ContractValidationTests
{
    [Test]
    public void A_response_with_an_undocumented_member_is_caught()
    {
        using var client = TamperedClient(json => json["secret"] = "not in the contract");
        var error = Assert.ThrowsAsync<AssertionException>(() => client.GetAsync("/v1/territories/2018-ti2707"));
        Assert.That(error!.Message, Does.Contain("breaks the OpenAPI contract").And.Contain("secret"));
    }

    [Test]
    public void A_response_with_an_undocumented_status_is_caught()
    {
        using var client = TamperedClient(status: HttpStatusCode.Accepted);
        var error = Assert.ThrowsAsync<AssertionException>(() => client.GetAsync("/v1/territories/2018-ti2707"));
        Assert.That(error!.Message, Does.Contain("status 202 is not documented"));
    }

    [Test]
    public void A_response_missing_a_required_member_or_with_a_wrong_type_is_caught()
    {
        using var missing = TamperedClient(json => json.AsObject().Remove("phase"));
        Assert.That(Assert.ThrowsAsync<AssertionException>(() => missing.GetAsync("/v1/territories/2018-ti2707"))!.Message, Does.Contain("phase"));
        using var wrongType = TamperedClient(json => json["communeCount"] = "196");
        Assert.That(Assert.ThrowsAsync<AssertionException>(() => wrongType.GetAsync("/v1/territories/2018-ti2707"))!.Message, Does.Contain("communeCount"));
    }

    [Test]
    public void A_problem_served_as_plain_json_is_caught()
    {
        var findings = TestApi.Contract.Check("GET", "/v1/territories/none", 404, "application/json", "{\"title\":\"Not Found\",\"status\":404}");
        Assert.That(findings, Has.Some.Contains("application/json is not documented"));
    }

    [Test]
    public void A_documented_response_passes()
    {
        var findings = TestApi.Contract.Check("GET", "/health/live", 200, "application/json", "{\"status\":\"healthy\"}");
        Assert.That(findings, Is.Empty);
    }

    /// <summary>A client whose responses are altered after the server and before the contract check.</summary>
    private static HttpClient TamperedClient(Action<JsonNode>? edit = null, HttpStatusCode? status = null) =>
        TestApi.Factory.CreateDefaultClient(new ContractCheckingHandler(() => TestApi.Contract), new TamperingHandler(edit, status));

    private sealed class TamperingHandler(Action<JsonNode>? edit, HttpStatusCode? status) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (status is { } s) response.StatusCode = s;
            if (edit is not null)
            {
                var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
                edit(json);
                response.Content = new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json");
            }
            return response;
        }
    }
}
