using Observatoire.Contracts;

namespace Observatoire.Api.Projects;

/// <summary>Examples for the OpenAPI document, taken from the seed data (Ecocombust, Saint-Nazaire - Cordemais).</summary>
public static class ProjectExamples
{
    public static readonly ProjectRequest Request = new(
        Name: "Ecocombust",
        TerritoryId: "2018-ti5209",
        Description: "Conversion de la centrale de Cordemais à la biomasse (EDF et Suez) ; abandonné à l'été 2021 ; coût estimé 135 M€.",
        Status: "abandonné",
        Year: 2021,
        ResourceIds: ["centrale-cordemais"],
        ActorIds: ["edf", "suez"],
        SourceIds: ["usinenouvelle-n1174887"]);
}
