using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Behind a reverse proxy, the request's scheme, host, client address and path prefix come from the proxy's
/// X-Forwarded-Proto, -Host, -For and -Prefix headers (the prefix becomes the PathBase, so Swagger UI and the
/// served document use it). Only trusted proxies are believed: loopback by default, or exactly the addresses and
/// networks listed in ForwardedHeaders:KnownProxies and ForwardedHeaders:KnownNetworks.
/// </summary>
public static class ForwardedHeadersSetup
{
    public const string KnownProxiesKey = "ForwardedHeaders:KnownProxies";
    public const string KnownNetworksKey = "ForwardedHeaders:KnownNetworks";

    public static IServiceCollection AddObservatoireForwardedHeaders(this IServiceCollection services, IConfiguration configuration)
    {
        // Parsed now, so that a bad setting stops the start-up with its name rather than failing requests later.
        var proxies = Values(configuration, KnownProxiesKey).Select(value => IPAddress.TryParse(value, out var address)
            ? address
            : throw new InvalidOperationException($"{KnownProxiesKey}: '{value}' is not an IP address.")).ToList();
        var networks = Values(configuration, KnownNetworksKey).Select(value => System.Net.IPNetwork.TryParse(value, out var network)
            ? network
            : throw new InvalidOperationException($"{KnownNetworksKey}: '{value}' is not a network in CIDR notation (e.g. 10.0.0.0/8).")).ToList();

        return services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto |
                                       ForwardedHeaders.XForwardedHost | ForwardedHeaders.XForwardedPrefix;
            if (proxies.Count == 0 && networks.Count == 0) return; // ASP.NET's default: loopback only.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in proxies) options.KnownProxies.Add(proxy);
            foreach (var network in networks) options.KnownIPNetworks.Add(network);
        });
    }

    // A list in configuration (KnownProxies:0, KnownProxies:1 …) or one comma-separated value (handy in an environment variable).
    private static IEnumerable<string> Values(IConfiguration configuration, string key)
    {
        var section = configuration.GetSection(key);
        return (section.Value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Concat(section.GetChildren().Select(child => child.Value?.Trim() ?? "").Where(value => value.Length > 0));
    }
}
