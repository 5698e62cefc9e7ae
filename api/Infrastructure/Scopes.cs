using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// What a key may do: <c>write:&lt;collection&gt;</c> (create, replace and delete that collection's records) or
/// <c>admin</c> (every write, and key management). Each operation that needs a key carries the scope it needs as
/// endpoint metadata (<see cref="RequiredScope"/>); one requirement checks it. See docs/decisions/0024.
/// </summary>
public static class Scopes
{
    public const string Admin = "admin";
    public const string WritePrefix = "write:";
    /// <summary>Declared by operations that every valid key may use on what it owns (its webhooks); not a scope a key holds.</summary>
    public const string AnyKey = "*";
    /// <summary>The claim that carries each of the key's scopes.</summary>
    public const string ClaimType = "scope";

    public static string WriteTo(string collection) => WritePrefix + collection;

    /// <summary>Whether <paramref name="scope"/> is admin or the write scope of a registered collection.</summary>
    public static bool IsKnown(string scope, CollectionRegistry collections) =>
        scope == Admin || (scope.StartsWith(WritePrefix, StringComparison.Ordinal) && collections.Contains(scope[WritePrefix.Length..]));

    /// <summary>Every scope a key may have, for messages and the document.</summary>
    public static IEnumerable<string> All(CollectionRegistry collections) => collections.Names.Select(WriteTo).Prepend(Admin);

    /// <summary>
    /// The write scope of the collection whose routes hold this endpoint: its path is /v1/{collection}/…
    /// (docs/decisions/0016). A write outside every collection stops the start-up instead of becoming admin-only unnoticed.
    /// </summary>
    internal static RequiredScope ForWrite(EndpointBuilder endpoint)
    {
        var collections = endpoint.ApplicationServices.GetRequiredService<CollectionRegistry>();
        var segments = (endpoint as RouteEndpointBuilder)?.RoutePattern.PathSegments ?? [];
        var name = segments.Count > 1 && segments[1].Parts is [RoutePatternLiteralPart literal] ? literal.Content : null;
        if (name is null || !collections.Contains(name))
        {
            throw new InvalidOperationException($"The write {endpoint.DisplayName} is not under /v1/{{collection}}: declare the scope it needs (RequireAdmin).");
        }
        return new RequiredScope(WriteTo(name), collections[name]);
    }
}

/// <summary>Endpoint metadata: the scope a key needs for this operation (admin always suffices); the collection written, if any.</summary>
public sealed record RequiredScope(string Scope, Collection? Collection = null);

/// <summary>The key has admin or the scope the endpoint declares; an endpoint that declares none is for admin only.</summary>
public sealed class ScopeRequirement : AuthorizationHandler<ScopeRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        var required = (context.Resource as HttpContext)?.GetEndpoint()?.Metadata.GetMetadata<RequiredScope>();
        if (context.User.HasClaim(Scopes.ClaimType, Scopes.Admin) ||
            (required is not null && (required.Scope == Scopes.AnyKey || context.User.HasClaim(Scopes.ClaimType, required.Scope))))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}

/// <summary>
/// The fallback of endpoints that declare no authorization: reads (GET, HEAD, OPTIONS) pass, any other method is
/// refused, so that a write mapped without <c>RequireApiKey</c> is closed rather than open. Routing's own answers
/// (404 for no endpoint, 405 for a method the path lacks) are not operations of the API and keep their status.
/// </summary>
public sealed class ReadOnlyUnlessDeclared : AuthorizationHandler<ReadOnlyUnlessDeclared>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ReadOnlyUnlessDeclared requirement)
    {
        if (context.Resource is HttpContext http &&
            (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method) ||
             http.GetEndpoint() is not RouteEndpoint))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}
