using System.Net;
using System.Net.Sockets;

namespace Observatoire.Api.Webhooks;

/// <summary>
/// Which addresses a notification may be sent to: none of loopback, link-local, private (RFC 1918, unique local),
/// shared (CGNAT), unspecified, multicast, reserved or documentation ranges, whatever their IPv6 form (IPv4-mapped,
/// NAT64, 6to4), unless Webhooks:AllowPrivateNetworks is set. Checked on the resolved address of every connection.
/// </summary>
public static class OutboundAddresses
{
    private static readonly (IPNetwork Network, string Kind)[] Refused =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "an unspecified (this network) address"),
        (IPNetwork.Parse("10.0.0.0/8"), "a private address"),
        (IPNetwork.Parse("100.64.0.0/10"), "a shared (carrier-grade NAT) address"),
        (IPNetwork.Parse("127.0.0.0/8"), "a loopback address"),
        (IPNetwork.Parse("169.254.0.0/16"), "a link-local address"),
        (IPNetwork.Parse("172.16.0.0/12"), "a private address"),
        (IPNetwork.Parse("192.0.0.0/24"), "a reserved address"),
        (IPNetwork.Parse("192.0.2.0/24"), "a documentation address"),
        (IPNetwork.Parse("192.168.0.0/16"), "a private address"),
        (IPNetwork.Parse("198.18.0.0/15"), "a benchmarking address"),
        (IPNetwork.Parse("198.51.100.0/24"), "a documentation address"),
        (IPNetwork.Parse("203.0.113.0/24"), "a documentation address"),
        (IPNetwork.Parse("224.0.0.0/4"), "a multicast address"),
        (IPNetwork.Parse("240.0.0.0/4"), "a reserved address"),
        (IPNetwork.Parse("::/128"), "an unspecified address"),
        (IPNetwork.Parse("::1/128"), "a loopback address"),
        (IPNetwork.Parse("fc00::/7"), "a unique local (private) address"),
        (IPNetwork.Parse("fe80::/10"), "a link-local address"),
        (IPNetwork.Parse("fec0::/10"), "a site-local (private) address"),
        (IPNetwork.Parse("ff00::/8"), "a multicast address"),
        (IPNetwork.Parse("2001:db8::/32"), "a documentation address"),
        (IPNetwork.Parse("100::/64"), "a discard address"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    /// <summary>Why <paramref name="address"/> may not be reached, or null if it may.</summary>
    public static string? RefusalOf(IPAddress address)
    {
        // An IPv4 address written in IPv6 reaches the IPv4 one: judged as such.
        if (address.IsIPv4MappedToIPv6) return RefusalOf(address.MapToIPv4());
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            if (Nat64.Contains(address)) return RefusalOf(new IPAddress(bytes[12..16]));
            if (SixToFour.Contains(address)) return RefusalOf(new IPAddress(bytes[2..6]));
            // ::a.b.c.d, the deprecated IPv4-compatible form.
            if (bytes[..12].All(b => b == 0) && !address.Equals(IPAddress.IPv6Loopback) && !address.Equals(IPAddress.IPv6None))
            {
                return RefusalOf(new IPAddress(bytes[12..16]));
            }
        }
        foreach (var (network, kind) in Refused)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address)) return kind;
        }
        return address.Equals(IPAddress.Broadcast) ? "a broadcast address" : null;
    }

    /// <summary>
    /// Opens the connection of a request: resolves the host, drops the addresses refused (unless allowed) and
    /// connects to the first remaining one that answers. Every connection goes through it, redirects and
    /// re-resolutions included, so a name that changes its address between checks gains nothing.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowPrivate, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        if (addresses.Length == 0) throw new WebhookAddressRefusedException($"{endpoint.Host} resolves to no address.");
        string? refusal = null;
        Exception? failure = null;
        foreach (var address in addresses)
        {
            if (!allowPrivate && RefusalOf(address) is { } kind)
            {
                refusal ??= $"{endpoint.Host} resolves to {address}, {kind}: webhooks may not reach it (Webhooks:AllowPrivateNetworks is off).";
                continue;
            }
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (Exception e) when (e is SocketException)
            {
                socket.Dispose();
                failure = e;
            }
        }
        if (failure is not null) throw failure;
        throw new WebhookAddressRefusedException(refusal!);
    }
}

/// <summary>The endpoint's host resolves to no address a notification may be sent to.</summary>
public sealed class WebhookAddressRefusedException(string message) : Exception(message);
