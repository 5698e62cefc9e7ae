namespace Observatoire.Api.Infrastructure;

public static class Hosting
{
    public const string DefaultUrl = "http://localhost:5080";

    /// <summary>Listens on http://localhost:5080 unless the usual settings (--urls, ASPNETCORE_URLS, HTTP_PORTS, Kestrel:Endpoints) say otherwise.</summary>
    public static WebApplicationBuilder UseDefaultUrl(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var configured = !string.IsNullOrEmpty(configuration["urls"]) || !string.IsNullOrEmpty(configuration["http_ports"]) ||
                         !string.IsNullOrEmpty(configuration["https_ports"]) || configuration.GetSection("Kestrel:Endpoints").Exists();
        if (!configured) builder.WebHost.UseUrls(DefaultUrl);
        return builder;
    }
}
