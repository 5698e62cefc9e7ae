using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Projects;

/// <summary>Examples for the OpenAPI document, taken from the seed data (Ecocombust, Saint-Nazaire - Cordemais).</summary>
public static class ProjectExamples
{
    private static readonly DateTime Loaded = new(2026, 11, 26, 9, 0, 0, DateTimeKind.Utc);

    public static readonly ProjectRequest Request = new(
        Name: "Ecocombust",
        TerritoryId: "2018-ti5209",
        Description: "Conversion de la centrale de Cordemais à la biomasse (EDF et Suez) ; abandonné à l'été 2021 ; coût estimé 135 M€.",
        Status: "abandonné",
        Year: 2021,
        ResourceIds: ["centrale-cordemais"],
        ActorIds: ["edf", "suez"],
        SourceIds: ["usinenouvelle-n1174887"]);

    public static readonly ProjectResponse Response = new(
        "ecocombust-cordemais", "Ecocombust", new TerritoryRef("2018-ti5209", "2018-2022", "TI5209", "Saint-Nazaire - Cordemais"),
        "Conversion de la centrale de Cordemais à la biomasse (EDF et Suez) ; abandonné à l'été 2021 ; coût estimé 135 M€.",
        "abandonné", 2021,
        [new ResourceRef("centrale-cordemais", "Centrale EDF de Cordemais (charbon)", "material")],
        [new ActorRef("edf", "EDF", "organisation"), new ActorRef("suez", "Suez", "organisation")],
        [new SourceCitation("usinenouvelle-n1174887",
            "https://www.usinenouvelle.com/article/l-extinction-de-la-centrale-a-charbon-de-cordemais-un-grand-vide-en-bord-de-loire.N1174887",
            null, "L'Usine Nouvelle", null)],
        Loaded, Loaded, 1);

    private static readonly ProjectSummary Ecocombust = new("ecocombust-cordemais", "Ecocombust", "2018-ti5209", "abandonné", 2021, Loaded, 1);

    /// <summary>The first page of /v1/projects?territory=2018-ti5209&amp;limit=1.</summary>
    public static readonly Page<ProjectSummary> Page = new(
        [Ecocombust],
        new PageLinks($"/v1/projects?territory=2018-ti5209&limit=1&cursor={Paging.ExampleCursor("id", Ecocombust.Id)}"));

    /// <summary>The first page of /v1/territories/2018-ti5209/projects?limit=1.</summary>
    public static readonly Page<ProjectSummary> TerritoryPage = new(
        [Ecocombust],
        new PageLinks($"/v1/territories/2018-ti5209/projects?limit=1&cursor={Paging.ExampleCursor("id", Ecocombust.Id)}"));

    /// <summary>/v1/projects?territory=2018-ti5209&amp;format=csv: an unknown status or year is an empty field.</summary>
    public static readonly string Csv =
        "id;name;territoryId;status;year;updatedAt;version\r\n" +
        "ecocombust-cordemais;Ecocombust;2018-ti5209;abandonné;2021;2026-11-26T09:00:00Z;1\r\n" +
        "pacte-transition-cordemais-estuaire;Pacte pour la transition écologique et industrielle de Cordemais et de l'estuaire;2018-ti5209;signé;2020;2026-11-26T09:00:00Z;1\r\n" +
        "parc-eolien-en-mer-saint-nazaire-sous-station;Parc éolien en mer de Saint-Nazaire : sous-station;2018-ti5209;;;2026-11-26T09:00:00Z;1\r\n";
}
