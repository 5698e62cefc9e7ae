using Observatoire.Api.Changes;
using Observatoire.Contracts;

namespace Observatoire.Api.Status;

/// <summary>Examples for the OpenAPI document.</summary>
public static class StatusExamples
{
    public static readonly StatusResponse Status = new(
        [
            new DataSourceVintage("anct-carto-superposeur-anct-ti-geom-2024",
                "anct-carto/superposeur-anct data/geom/geojsonV2/ti_geom.geojson (commit 949f7e58, 2024-09-18 ; données ANCT du 2024-07-04)", ["2023-2027"], new DateOnly(2024, 7, 4)),
            new DataSourceVintage("etalab-decoupage-administratif-6-0-0",
                "@etalab/decoupage-administratif 6.0.0 (communes, EPCI, EPT et régions, millésime 2026)", ["2018-2022", "2023-2027"], null),
        ],
        [new CollectionCount("territories", 331), new CollectionCount("resources", 412)],
        1187, new DateTime(2026, 11, 27, 14, 30, 41, DateTimeKind.Utc), new FeedPosition("1186", long.MaxValue).Example(), "1.0.0", "1.1.0");
}
