using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Actors;

/// <summary>Examples for the OpenAPI document, taken from the seed data (FC Lab and Alstom, Nord Franche-Comté).</summary>
public static class ActorExamples
{
    private static readonly DateTime Loaded = new(2026, 11, 26, 9, 0, 0, DateTimeKind.Utc);

    private const string FcLabRole =
        "centre de recherche hydrogène; Fuel Cell Lab, à Belfort; premier projet de recherche pile à combustible en 1998 (Université de Franche-Comté)";

    public static readonly ActorRequest Request = new(
        Type: "organisation",
        Category: "research_and_training",
        Name: "FC Lab",
        Role: FcLabRole,
        Organisation: "Université de Franche-Comté",
        TerritoryIds: ["2018-ti2707"],
        SourceIds: ["attractive-bfc-nfc-hydrogene"]);

    public static readonly ActorResponse Response = new(
        "fc-lab", "organisation", "research_and_training", "FC Lab", FcLabRole, "Université de Franche-Comté", null,
        [new TerritoryRef("2018-ti2707", "2018-2022", "TI2707", "Nord Franche-Comté")], [], ["fc-lab-recherche-hydrogene"], [],
        [new SourceCitation("attractive-bfc-nfc-hydrogene", "https://www.attractive.bourgognefranchecomte.fr/le-nord-franche-comte-toujours-en-pointe-sur-lhydrogene/", null, null, null)],
        Loaded, Loaded, 1);

    private static readonly ActorSummary Alstom = new(
        "alstom", "organisation", "company", "Alstom",
        "site de Belfort (directeur : Romuald Gicquel); locomotive de fret à hydrogène (Territoire de Belfort); usine de nacelles et alternateurs d'éoliennes en mer Haliade 150 à Saint-Nazaire",
        null, null, Loaded, 1);

    /// <summary>The first page of /v1/actors?territory=2018-ti2707&amp;type=organisation&amp;limit=1.</summary>
    public static readonly Page<ActorSummary> Page = new(
        [Alstom],
        new PageLinks($"/v1/actors?territory=2018-ti2707&type=organisation&limit=1&cursor={Paging.ExampleCursor("id", Alstom.Id)}"));

    /// <summary>The first page of /v1/territories/2018-ti2707/actors?type=organisation&amp;limit=1.</summary>
    public static readonly Page<ActorSummary> TerritoryPage = new(
        [Alstom],
        new PageLinks($"/v1/territories/2018-ti2707/actors?type=organisation&limit=1&cursor={Paging.ExampleCursor("id", Alstom.Id)}"));

    /// <summary>/v1/actors?territory=2018-ti2707&amp;category=research_and_training&amp;format=csv: the role holds the delimiter, so it is quoted.</summary>
    public static readonly string Csv =
        "id;type;category;name;role;organisation;website;updatedAt;version\r\n" +
        $"fc-lab;organisation;research_and_training;FC Lab;\"{FcLabRole}\";Université de Franche-Comté;;2026-11-26T09:00:00Z;1\r\n";

    /// <summary>/v1/actors/facets?territory=2018-ti2707: the actors of Nord Franche-Comté.</summary>
    public static readonly FacetCounts Facets = new(new Dictionary<string, IReadOnlyList<FacetValue>>
    {
        ["type"] = [
            new("organisation", null, 13), new("person", null, 3)],
        ["category"] = [
            new("company", null, 8), new("public_agency", null, 3), new("elected_official", null, 2), new("cluster_or_association", null, 1),
            new("other", null, 1), new("research_and_training", null, 1)],
    });
}
