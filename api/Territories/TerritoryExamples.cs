using Observatoire.Contracts;

namespace Observatoire.Api.Territories;

/// <summary>Examples for the OpenAPI document, taken from the seed data (Cap Excellence, 2023-2027).</summary>
public static class TerritoryExamples
{
    public static readonly TerritoryRequest Request = new(
        Phase: "2023-2027",
        Code: "ti-0102",
        Name: "Cap Excellence",
        RegionCodes: ["01"],
        DepartmentCodes: ["971"],
        Population: 97019,
        Point: new GeoPoint(16.26051, -61.53584),
        Studied: false,
        Groupings: [new Grouping("200018653", "CA CAP Excellence", "CA")],
        Communes: [new Commune("97101", "Les Abymes"), new Commune("97103", "Baie-Mahault"), new Commune("97120", "Pointe-à-Pitre")],
        SourceIds: ["anct-carto-superposeur-anct-ti-geom-2024", "etalab-decoupage-administratif-6-0-0", "gregoiredavid-france-geojson-communes-2018"]);
}
