using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Resources;

/// <summary>Examples for the OpenAPI document, taken from the seed data (FC Lab, Nord Franche-Comté).</summary>
public static class ResourceExamples
{
    private static readonly DateTime Loaded = new(2026, 11, 26, 9, 0, 0, DateTimeKind.Utc);
    private static readonly TerritoryRef NordFrancheComte = new("2018-ti2707", "2018-2022", "TI2707", "Nord Franche-Comté");

    public static readonly ResourceRequest Request = new(
        Kind: "human",
        Name: "FC Lab (Fuel Cell Lab)",
        Description: "Centre de recherche sur l'hydrogène à Belfort ; premier projet de recherche pile à combustible en 1998 (Université de Franche-Comté).",
        TerritoryId: "2018-ti2707",
        Tags: ["recherche", "hydrogène", "pile à combustible"],
        ActorIds: ["fc-lab"],
        SourceIds: ["attractive-bfc-nfc-hydrogene"]);

    public static readonly ResourceResponse Response = new(
        "fc-lab-recherche-hydrogene", "human", "FC Lab (Fuel Cell Lab)",
        "Centre de recherche sur l'hydrogène à Belfort ; premier projet de recherche pile à combustible en 1998 (Université de Franche-Comté).",
        NordFrancheComte, ["recherche", "hydrogène", "pile à combustible"],
        [new ActorRef("fc-lab", "FC Lab", "organisation")], [],
        [new SourceCitation("attractive-bfc-nfc-hydrogene", "https://www.attractive.bourgognefranchecomte.fr/le-nord-franche-comte-toujours-en-pointe-sur-lhydrogene/", null, null, null)],
        Loaded, Loaded, 1);

    private static readonly ResourceSummary ChaireUtbm = new(
        "chaire-utbm-general-electric", "human", "Chaire UTBM avec General Electric", "2018-ti2707", ["recherche"], Loaded, 1);

    /// <summary>The first page of /v1/resources?territory=2018-ti2707&amp;kind=human&amp;limit=1.</summary>
    public static readonly Page<ResourceSummary> Page = new(
        [ChaireUtbm],
        new PageLinks($"/v1/resources?territory=2018-ti2707&kind=human&limit=1&cursor={Paging.ExampleCursor("id", ChaireUtbm.Id)}"));

    /// <summary>The first page of /v1/territories/2018-ti2707/resources?kind=human&amp;limit=1.</summary>
    public static readonly Page<ResourceSummary> TerritoryPage = new(
        [ChaireUtbm],
        new PageLinks($"/v1/territories/2018-ti2707/resources?kind=human&limit=1&cursor={Paging.ExampleCursor("id", ChaireUtbm.Id)}"));

    /// <summary>/v1/resources?territory=2018-ti2707&amp;kind=human&amp;format=csv.</summary>
    public static readonly string Csv =
        "id;kind;name;territoryId;tags;updatedAt;version\r\n" +
        "chaire-utbm-general-electric;human;Chaire UTBM avec General Electric;2018-ti2707;recherche;2026-11-26T09:00:00Z;1\r\n" +
        "fc-lab-recherche-hydrogene;human;FC Lab (Fuel Cell Lab);2018-ti2707;recherche|hydrogène|pile à combustible;2026-11-26T09:00:00Z;1\r\n";

    /// <summary>/v1/resources/facets?territory=2018-ti2707: the resources of Nord Franche-Comté.</summary>
    public static readonly FacetCounts Facets = new(new Dictionary<string, IReadOnlyList<FacetValue>>
    {
        ["kind"] = [
            new("human", null, 2), new("financial", null, 1), new("immaterial", null, 1), new("material", null, 1), new("network", null, 1)],
        ["tag"] = [
            new("hydrogène", null, 2), new("recherche", null, 2), new("automobile", null, 1), new("ferroviaire", null, 1), new("filière", null, 1),
            new("fonds", null, 1), new("numérique", null, 1), new("pile à combustible", null, 1), new("pôle", null, 1), new("énergie", null, 1),
            new("équipement", null, 1)],
    });
}
