using Observatoire.Api.Database;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Actors;

/// <summary>seeds/knowledge/actors.csv: the actors, the territories they act in and their sources.</summary>
public static class ActorsSeed
{
    private static readonly SeedTable Actors = SeedTable.Records("actors", ["type", "category", "name", "role", "organisation", "website"]);
    private static readonly SeedTable ActorTerritories = SeedTable.Links("actor_territories", ("actor_id", "actors"), ("territory_id", "territories"));
    private static readonly SeedTable ActorSources = SeedTable.Links("actor_sources", ("actor_id", "actors"), ("source_id", "sources"));

    public static readonly CollectionSeed Seed = new([Actors, ActorTerritories, ActorSources], Read);

    private static void Read(SeedSet seeds)
    {
        foreach (var r in seeds.Read("knowledge", "actors.csv"))
        {
            var (id, website) = (r["id"], Csv.NullIfEmpty(r["website"]));
            if (r["type"] == "person" && (!id.StartsWith(Ids.PersonPrefix, StringComparison.Ordinal) || website is not null))
            {
                throw new InvalidDataException($"actors.csv: the person '{id}' needs an opaque id (person-…) and no website.");
            }
            r.Add(Actors, id, r["type"], r["category"], r["name"], Csv.NullIfEmpty(r["role"]), Csv.NullIfEmpty(r["organisation"]), website);
            r.Link(ActorTerritories, id, SeedSet.TerritoriesOf(r["territory_codes"]));
            r.Link(ActorSources, id, Csv.List(r["source_ids"]));
        }
    }
}
