using Observatoire.Contracts;

namespace Observatoire.Api.Actors;

/// <summary>Examples for the OpenAPI document, taken from the seed data (FC Lab, Nord Franche-Comté).</summary>
public static class ActorExamples
{
    public static readonly ActorRequest Request = new(
        Type: "organisation",
        Category: "research_and_training",
        Name: "FC Lab",
        Role: "centre de recherche hydrogène; Fuel Cell Lab, à Belfort; premier projet de recherche pile à combustible en 1998 (Université de Franche-Comté)",
        Organisation: "Université de Franche-Comté",
        TerritoryIds: ["2018-ti2707"],
        SourceIds: ["attractive-bfc-nfc-hydrogene"]);
}
