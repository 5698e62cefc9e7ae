using Observatoire.Contracts;

namespace Observatoire.Api.Territories;

/// <summary>Examples for the OpenAPI document, taken from the seed data (Cap Excellence, 2023-2027).</summary>
public static class TerritoryExamples
{
    private static readonly DateTime Loaded = new(2026, 11, 26, 9, 0, 0, DateTimeKind.Utc);
    private static readonly Region Guadeloupe = new("01", "Guadeloupe");
    private static readonly GeoPoint CapExcellencePoint = new(16.26051, -61.53584);

    private static readonly SourceCitation AnctSource = new(
        "anct-carto-superposeur-anct-ti-geom-2024",
        "https://github.com/anct-carto/superposeur-anct/blob/949f7e581185229a3bef1962d8f81f5608757f0c/data/geom/geojsonV2/ti_geom.geojson",
        "anct-carto/superposeur-anct data/geom/geojsonV2/ti_geom.geojson (commit 949f7e58, 2024-09-18 ; données ANCT du 2024-07-04)",
        "ANCT (anct-carto, GitHub)", null);

    public static readonly TerritoryRequest Request = new(
        Phase: "2023-2027",
        Code: "ti-0102",
        Name: "Cap Excellence",
        RegionCodes: ["01"],
        DepartmentCodes: ["971"],
        Population: 97019,
        Point: CapExcellencePoint,
        Studied: false,
        Groupings: [new Grouping("200018653", "CA CAP Excellence", "CA")],
        Communes: [new Commune("97101", "Les Abymes"), new Commune("97103", "Baie-Mahault"), new Commune("97120", "Pointe-à-Pitre")],
        SourceIds: ["anct-carto-superposeur-anct-ti-geom-2024", "etalab-decoupage-administratif-6-0-0", "gregoiredavid-france-geojson-communes-2018"]);

    public static readonly TerritoryResponse Response = new(
        "2023-ti-0102", "2023-2027", "ti-0102", "Cap Excellence", [Guadeloupe], ["971"], 3, 97019, CapExcellencePoint, false,
        [new Grouping("200018653", "CA CAP Excellence", "CA")],
        [new TerritoryLink("2018-ti0101", "2018-2022", "TI0101", "Communauté d'agglomération Cap Excellence", 3, 3, 3, 1, 1)], [],
        [], [AnctSource],
        Loaded, Loaded, 1);

    public static readonly Page<TerritorySummary> Page = new(
        [new TerritorySummary("2023-ti-0102", "2023-2027", "ti-0102", "Cap Excellence", [Guadeloupe], ["971"], 3, CapExcellencePoint, false, Loaded, 1)],
        new PageLinks("/v1/territories?phase=2023-2027&limit=1&cursor=WyIyMDIzLXRpLTAxMDIiXQ4TgqkD3z3F"));

    public static readonly string Csv =
        "id;phase;code;name;regionCodes;regionNames;departments;communeCount;latitude;longitude;studied;updatedAt;version\r\n" +
        "2023-ti-0102;2023-2027;ti-0102;Cap Excellence;01;Guadeloupe;971;3;16,26051;-61,53584;false;2026-11-26T09:00:00Z;1\r\n";

    public static readonly TerritoryFeatureCollection GeoJson = new("FeatureCollection",
    [
        new TerritoryFeature("Feature", "2023-ti-0102",
            new GeoJsonGeometry("Point", System.Text.Json.JsonSerializer.SerializeToElement(new[] { -61.53584, 16.26051 })),
            Page.Items[0]),
    ]);

    public static readonly Page<Commune> Communes = new(
        [new Commune("97101", "Les Abymes"), new Commune("97103", "Baie-Mahault"), new Commune("97120", "Pointe-à-Pitre")],
        new PageLinks(null));

    /// <summary>/v1/territories/facets?phase=2018-2022&amp;region=27: the 2018-2022 territories of Bourgogne-Franche-Comté, counted per value of each filter (all the regions of the phase, since region is left out of its own counts).</summary>
    public static readonly FacetCounts Facets = new(new Dictionary<string, IReadOnlyList<FacetValue>>
    {
        ["phase"] = [
            new("2023-2027", null, 13), new("2018-2022", null, 11)],
        ["region"] = [
            new("84", "Auvergne-Rhône-Alpes", 20), new("52", "Pays de la Loire", 16), new("44", "Grand Est", 15),
            new("75", "Nouvelle-Aquitaine", 15), new("32", "Hauts-de-France", 13), new("53", "Bretagne", 12),
            new("27", "Bourgogne-Franche-Comté", 11), new("28", "Normandie", 11), new("76", "Occitanie", 11), new("11", "Île-de-France", 9),
            new("24", "Centre-Val de Loire", 9), new("93", "Provence-Alpes-Côte d'Azur", 8), new("03", "Guyane", 3), new("02", "Martinique", 2),
            new("04", "La Réunion", 2), new("94", "Corse", 2), new("01", "Guadeloupe", 1)],
        ["department"] = [
            new("25", null, 2), new("39", null, 2), new("70", null, 2), new("71", null, 2), new("89", null, 2), new("03", null, 1),
            new("21", null, 1), new("45", null, 1), new("58", null, 1), new("90", null, 1)],
        ["studied"] = [
            new("false", null, 9), new("true", null, 2)],
    });
}
