using Observatoire.Api.Database;

namespace Observatoire.Api.Projects;

/// <summary>seeds/knowledge/projects.csv: the projects, the resources they combine, the actors involved and their sources.</summary>
public static class ProjectsSeed
{
    private static readonly SeedTable Projects = SeedTable.Records("projects", ["name", "territory_id", "description", "status", "year"],
        new() { ["territory_id"] = "territories" });
    private static readonly SeedTable ProjectResources = SeedTable.Links("project_resources", ("project_id", "projects"), ("resource_id", "resources"));
    private static readonly SeedTable ProjectActors = SeedTable.Links("project_actors", ("project_id", "projects"), ("actor_id", "actors"));
    private static readonly SeedTable ProjectSources = SeedTable.Links("project_sources", ("project_id", "projects"), ("source_id", "sources"));

    public static readonly CollectionSeed Seed = new([Projects, ProjectResources, ProjectActors, ProjectSources], Read);

    private static void Read(SeedSet seeds)
    {
        foreach (var r in seeds.Read("knowledge", "projects.csv"))
        {
            r.Add(Projects, r["id"], r["name"], SeedSet.Territory(r["territory_code"]), Csv.NullIfEmpty(r["description"]),
                Csv.NullIfEmpty(r["status"]), Csv.Int(r["year"]));
            r.Link(ProjectResources, r["id"], Csv.List(r["resource_ids"]));
            r.Link(ProjectActors, r["id"], Csv.List(r["actor_ids"]));
            r.Link(ProjectSources, r["id"], Csv.List(r["source_ids"]));
        }
    }
}
