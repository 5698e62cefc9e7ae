using System.Net;
using FluentValidation;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Webhooks;

/// <summary>
/// An endpoint has an absolute http(s) URL, follows at least one collection and, if it brings its secret, one in
/// the Standard Webhooks form. A URL whose host is a literal refused address is refused at once; names are
/// checked when each connection is made (<see cref="OutboundAddresses"/>).
/// </summary>
public sealed class WebhookRequestValidator : AbstractValidator<WebhookRequest>
{
    public WebhookRequestValidator(CollectionRegistry collections, WebhookOptions options)
    {
        RuleFor(w => w.Url).NotEmpty()
            .Must(url => Absolute(url) is not null).WithMessage("'url' must be an absolute http or https URL, e.g. https://partner.example/hooks.")
            .Must(url => options.AllowPrivateNetworks || Refusal(Absolute(url)!) is null)
            .WithMessage(url => $"'url' points to {Refusal(Absolute(url.Url)!)}: webhooks may only reach public addresses.");
        RuleFor(w => w.Collections).NotEmpty().WithMessage("'collections' must list at least one collection.");
        RuleForEach(w => w.Collections).Cascade(CascadeMode.Continue).Must(name => name is not null && collections.Contains(name))
            .WithMessage($"Unknown collection. A collection is one of: {string.Join(", ", collections.Names)}.");
        RuleFor(w => w.Secret).Must(secret => secret is null || WebhookSecrets.Decode(secret) is not null)
            .WithMessage($"'secret' must be {WebhookSecrets.Prefix} followed by the base64 of {WebhookSecrets.MinBytes} to {WebhookSecrets.MaxBytes} random bytes; leave it out to have one generated.");
    }

    private static Uri? Absolute(string? url) =>
        Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && uri.Host.Length > 0
            ? uri
            : null;

    private static string? Refusal(Uri uri) =>
        uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(uri.DnsSafeHost, out var address)
            ? OutboundAddresses.RefusalOf(address)
            : null;
}
