using Observatoire.Api.Database;

namespace Observatoire.Api.Sources;

/// <summary>
/// The sources of the territory lists (seeds/territories/sources.csv), each cited by the territories of the phases
/// it lists, and those of the knowledge base (seeds/knowledge/sources.csv, see its NOTES.md).
/// </summary>
public static class SourcesSeed
{
    private static readonly SeedTable Sources = SeedTable.Records("sources", ["url", "title", "publisher", "seen_on", "vintage"]);
    private static readonly SeedTable TerritorySources = SeedTable.Links("territory_sources", ("territory_id", "territories"), ("source_id", "sources"));

    public static readonly CollectionSeed Seed = new([Sources, TerritorySources], Read);

    private static void Read(SeedSet seeds)
    {
        foreach (var r in seeds.Read("territories", "sources.csv"))
        {
            r.Add(Sources, r["id"], r["url"], Csv.NullIfEmpty(r["title"]), Csv.NullIfEmpty(r["publisher"]), Csv.Date(r["seen_on"]), Csv.Date(r["vintage"]));
            var phases = Csv.List(r["phases"]);
            foreach (var territory in seeds.Territories.Where(t => phases.Contains(t.Phase))) r.Add(TerritorySources, territory.Id, r["id"]);
        }
        foreach (var r in seeds.Read("knowledge", "sources.csv"))
        {
            r.Add(Sources, r["id"], r["url"], Csv.NullIfEmpty(r["title"]), Csv.NullIfEmpty(r["publisher"]), Csv.Date(r["seen_on"]), null);
        }
    }
}
