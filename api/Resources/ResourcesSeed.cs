using Observatoire.Api.Database;

namespace Observatoire.Api.Resources;

/// <summary>seeds/knowledge/resources.csv: the resources, the actors that carry them and their sources.</summary>
public static class ResourcesSeed
{
    private static readonly SeedTable Resources = SeedTable.Records("resources", ["kind", "name", "description", "territory_id", "tags"],
        new() { ["territory_id"] = "territories" });
    private static readonly SeedTable ResourceActors = SeedTable.Links("resource_actors", ("resource_id", "resources"), ("actor_id", "actors"));
    private static readonly SeedTable ResourceSources = SeedTable.Links("resource_sources", ("resource_id", "resources"), ("source_id", "sources"));

    public static readonly CollectionSeed Seed = new([Resources, ResourceActors, ResourceSources], Read);

    private static void Read(SeedSet seeds)
    {
        foreach (var r in seeds.Read("knowledge", "resources.csv"))
        {
            r.Add(Resources, r["id"], r["kind"], r["name"], Csv.NullIfEmpty(r["description"]), SeedSet.Territory(r["territory_code"]), Csv.List(r["tags"]));
            r.Link(ResourceActors, r["id"], Csv.List(r["actor_ids"]));
            r.Link(ResourceSources, r["id"], Csv.List(r["source_ids"]));
        }
    }
}
