using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Tests.Keys;

/// <summary>Every operation that changes something declares who may call it; one that forgets is closed, not open.</summary>
public sealed class WritePolicyTests
{
    private static readonly string[] ReadMethods = ["GET", "HEAD", "OPTIONS"];

    private static IEnumerable<RouteEndpoint> Endpoints() =>
        TestApi.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();

    [Test]
    public void Every_endpoint_of_the_running_api_that_writes_requires_a_key_with_a_scope()
    {
        var writes = Endpoints()
            .Select(e => (Endpoint: e, Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(e => e.Methods.Count == 0 || e.Methods.Except(ReadMethods).Any())
            .ToList();
        Assert.That(writes, Has.Count.GreaterThanOrEqualTo(23), "the collections' creates, replaces and deletes, and key management");
        Assert.Multiple(() =>
        {
            foreach (var (endpoint, methods) in writes)
            {
                var where = $"{string.Join(",", methods)} {endpoint.RoutePattern.RawText}";
                var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
                Assert.That(policies, Does.Contain(ApiKeys.WritePolicy), $"{where} declares no authorization policy");
                Assert.That(endpoint.Metadata.GetMetadata<IAllowAnonymous>(), Is.Null, $"{where} allows anonymous callers");
                // Webhooks are managed by any valid key, each its own.
                Assert.That(endpoint.Metadata.GetMetadata<RequiredScope>()?.Scope, Does.Match("^(admin|write:[a-z]+)$").Or.EqualTo(Scopes.AnyKey), $"{where} declares no scope");
            }
        });
    }

    [Test]
    public void Each_collection_write_needs_the_write_scope_of_its_own_collection()
    {
        var collections = TestApi.Factory.Services.GetRequiredService<CollectionRegistry>();
        var scopes = Endpoints()
            .Where(e => e.Metadata.GetMetadata<RequiredScope>() is { Collection: not null })
            .Select(e => (Path: e.RoutePattern.RawText!, e.Metadata.GetMetadata<RequiredScope>()!.Scope))
            .ToList();
        Assert.That(scopes.Select(s => s.Scope).Distinct(), Is.EquivalentTo(collections.Names.Select(n => "write:" + n)));
        Assert.Multiple(() =>
        {
            foreach (var (path, scope) in scopes) Assert.That(path, Does.StartWith($"/v1/{scope["write:".Length..]}/"), scope);
        });
    }

    [TestCase("POST", false)]
    [TestCase("PUT", false)]
    [TestCase("DELETE", false)]
    [TestCase("PATCH", false)]
    [TestCase("GET", true)]
    [TestCase("HEAD", true)]
    [TestCase("OPTIONS", true)]
    public async Task The_fallback_policy_closes_an_endpoint_that_declares_nothing_to_every_method_but_reads(string method, bool allowed)
    {
        var services = TestApi.Factory.Services;
        var fallback = await services.GetRequiredService<IAuthorizationPolicyProvider>().GetFallbackPolicyAsync();
        Assert.That(fallback, Is.Not.Null, "a fallback policy is set");

        var undeclared = new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse("/v1/undeclared"), 0, EndpointMetadataCollection.Empty, "undeclared");
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = method;
        context.SetEndpoint(undeclared);
        var result = await services.GetRequiredService<IAuthorizationService>().AuthorizeAsync(context.User, context, fallback!);
        Assert.That(result.Succeeded, Is.EqualTo(allowed));
    }
}
