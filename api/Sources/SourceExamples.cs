using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Sources;

/// <summary>Examples for the OpenAPI document, taken from the seed data.</summary>
public static class SourceExamples
{
    private static readonly DateTime Loaded = new(2026, 11, 26, 9, 0, 0, DateTimeKind.Utc);

    public static readonly SourceRequest Request = new(
        Id: "la-fabrique-ces-territoires",
        Url: "https://www.la-fabrique.fr/fr/publication/ces-territoires-qui-cherchent-a-se-reindustrialiser-2/",
        Title: "Ces territoires qui cherchent à se réindustrialiser",
        Publisher: "La Fabrique de l'industrie");

    public static readonly SourceResponse Response = new(
        "la-fabrique-ces-territoires", "https://www.la-fabrique.fr/fr/publication/ces-territoires-qui-cherchent-a-se-reindustrialiser-2/",
        "Ces territoires qui cherchent à se réindustrialiser", "La Fabrique de l'industrie", null, Loaded, Loaded, 1);

    /// <summary>The first page of /v1/sources?q=reindustrialiser&amp;sort=id&amp;limit=1.</summary>
    public static readonly Page<SourceResponse> Page = new(
        [Response],
        new PageLinks($"/v1/sources?q=reindustrialiser&sort=id&limit=1&cursor={Paging.ExampleCursor("id", Response.Id)}"));

    /// <summary>/v1/sources?q=reindustrialiser&amp;sort=id&amp;format=csv: an unknown title, publisher or date is an empty field.</summary>
    public static readonly string Csv =
        "id;url;title;publisher;seenOn;createdAt;updatedAt;version\r\n" +
        "la-fabrique-ces-territoires;https://www.la-fabrique.fr/fr/publication/ces-territoires-qui-cherchent-a-se-reindustrialiser-2/;Ces territoires qui cherchent à se réindustrialiser;La Fabrique de l'industrie;;2026-11-26T09:00:00Z;2026-11-26T09:00:00Z;1\r\n" +
        "slideshare-ces-territoires;https://pt.slideshare.net/La_Fabrique_Industrie/ces-territoires-qui-cherchent-se-rindustrialiser;Ces territoires qui cherchent à se réindustrialiser;SlideShare;;2026-11-26T09:00:00Z;2026-11-26T09:00:00Z;1\r\n";
}
