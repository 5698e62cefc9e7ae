using Observatoire.Contracts;

namespace Observatoire.Api.Resources;

/// <summary>Examples for the OpenAPI document, taken from the seed data (FC Lab, Nord Franche-Comté).</summary>
public static class ResourceExamples
{
    public static readonly ResourceRequest Request = new(
        Kind: "human",
        Name: "FC Lab (Fuel Cell Lab)",
        Description: "Centre de recherche sur l'hydrogène à Belfort ; premier projet de recherche pile à combustible en 1998 (Université de Franche-Comté).",
        TerritoryId: "2018-ti2707",
        Tags: ["recherche", "hydrogène", "pile à combustible"],
        ActorIds: ["fc-lab"],
        SourceIds: ["attractive-bfc-nfc-hydrogene"]);
}
