namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Any origin may read (partners' sites call the API from the browser); writes are not opened to other
/// origins: a cross-origin PUT, POST or DELETE fails its preflight.
/// </summary>
public static class Cors
{
    public static IServiceCollection AddObservatoireCors(this IServiceCollection services) =>
        services.AddCors(options => options.AddDefaultPolicy(policy => policy
            .AllowAnyOrigin()
            .WithMethods(HttpMethods.Get, HttpMethods.Head)
            .WithHeaders("Accept", "Prefer", "If-None-Match", "If-Modified-Since")
            .WithExposedHeaders("ETag", "Last-Modified", "Link", "Preference-Applied", "Location")
            .SetPreflightMaxAge(TimeSpan.FromHours(1))));
}
