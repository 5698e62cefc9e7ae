using Observatoire.Contracts;

namespace Observatoire.Api.Sources;

/// <summary>Examples for the OpenAPI document, taken from the seed data.</summary>
public static class SourceExamples
{
    public static readonly SourceRequest Request = new(
        Id: "la-fabrique-ces-territoires",
        Url: "https://www.la-fabrique.fr/fr/publication/ces-territoires-qui-cherchent-a-se-reindustrialiser-2/",
        Title: "Ces territoires qui cherchent à se réindustrialiser",
        Publisher: "La Fabrique de l'industrie");
}
