using System.Globalization;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Database;

// Reading the seed files into records, checked before anything is written: a mistake names its file.
public static partial class KnowledgeSeeder
{
    public sealed record SeedSource(string Id, string Url, string? Title, string? Publisher, DateOnly? SeenOn, DateOnly? Vintage = null);

    public sealed record SeedActor(string Id, string Type, string Category, string Name, string? Role, string? Organisation, string? Website);

    public sealed record SeedResource(string Id, string Kind, string Name, string? Description, string TerritoryId, string[] Tags);

    public sealed record SeedProject(string Id, string Name, string TerritoryId, string? Description, string? Status, int? Year);

    public sealed record SeedSession(
        string Id, int Number, DateOnly? Date, string? DatePrecision, string Title, string Format, string? TerritoryId, string? PartnerActorId,
        string? Location, string? Note);

    public sealed record SeedFigure(
        string Id, string TerritoryId, string Label, string ValueText, decimal? ValueNumeric, string? Unit, string? ReferenceDate);

    /// <summary>A row of a two-column link table, e.g. ("actor_territories", "fc-lab", "2018-ti2707").</summary>
    public sealed record SeedLink(string Link, string OwnerId, string TargetId);

    public sealed record SeedSessionLink(string SessionId, int Position, string Kind, string? Url, string? Title);

    public sealed record SeedSpeaker(string SessionId, string ActorId, string? Role, int Position);

    public sealed record KnowledgeSeed(
        List<SeedSource> Sources, List<SeedActor> Actors, List<SeedResource> Resources, List<SeedProject> Projects,
        List<SeedSession> Sessions, List<SeedFigure> Figures, List<SeedLink> Links, List<SeedSessionLink> SessionLinks, List<SeedSpeaker> Speakers);

    /// <summary>The id of the session with this number: "seance-01" … "seance-15".</summary>
    public static string SessionId(int number) => $"seance-{number:00}";

    /// <summary>Reads the seed files and checks that every id they refer to exists in them (or among the territories).</summary>
    public static KnowledgeSeed Read(string directory, IReadOnlyList<Seeder.SeedTerritory> territories)
    {
        string Knowledge(string file) => Path.Combine(directory, "knowledge", file);
        var territoryIds = territories.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var links = new List<SeedLink>();

        var sources = new List<SeedSource>();
        foreach (var r in Csv.Read(Path.Combine(directory, "territories", "sources.csv")))
        {
            sources.Add(new SeedSource(r["id"], r["url"], Csv.NullIfEmpty(r["title"]), Csv.NullIfEmpty(r["publisher"]), ParseDate(r["seen_on"]), ParseDate(r["vintage"])));
            var phases = Csv.List(r["phases"]);
            links.AddRange(territories.Where(t => phases.Contains(t.Phase)).Select(t => new SeedLink("territory_sources", t.Id, r["id"])));
        }
        sources.AddRange(Csv.Read(Knowledge("sources.csv")).Select(r =>
            new SeedSource(r["id"], r["url"], Csv.NullIfEmpty(r["title"]), Csv.NullIfEmpty(r["publisher"]), ParseDate(r["seen_on"]))));
        var sourceIds = Unique(sources.Select(s => s.Id), "sources");

        var actors = new List<SeedActor>();
        foreach (var r in Csv.Read(Knowledge("actors.csv")))
        {
            actors.Add(new SeedActor(r["id"], r["type"], r["category"], r["name"], Csv.NullIfEmpty(r["role"]), Csv.NullIfEmpty(r["organisation"]), Csv.NullIfEmpty(r["website"])));
            links.AddRange(Territories(r["territory_codes"]).Select(t => new SeedLink("actor_territories", r["id"], t)));
            links.AddRange(Csv.List(r["source_ids"]).Select(s => new SeedLink("actor_sources", r["id"], s)));
        }
        var actorIds = Unique(actors.Select(a => a.Id), "actors");
        foreach (var person in actors.Where(a => a.Type == "person"))
        {
            if (!person.Id.StartsWith(Ids.PersonPrefix, StringComparison.Ordinal) || person.Website is not null)
            {
                throw new InvalidDataException($"actors.csv: the person '{person.Id}' needs an opaque id (person-…) and no website.");
            }
        }

        var resources = new List<SeedResource>();
        foreach (var r in Csv.Read(Knowledge("resources.csv")))
        {
            resources.Add(new SeedResource(r["id"], r["kind"], r["name"], Csv.NullIfEmpty(r["description"]), Territory(r["territory_code"]), Csv.List(r["tags"])));
            links.AddRange(Csv.List(r["actor_ids"]).Select(a => new SeedLink("resource_actors", r["id"], a)));
            links.AddRange(Csv.List(r["source_ids"]).Select(s => new SeedLink("resource_sources", r["id"], s)));
        }
        var resourceIds = Unique(resources.Select(r => r.Id), "resources");

        var projects = new List<SeedProject>();
        foreach (var r in Csv.Read(Knowledge("projects.csv")))
        {
            projects.Add(new SeedProject(r["id"], r["name"], Territory(r["territory_code"]), Csv.NullIfEmpty(r["description"]),
                Csv.NullIfEmpty(r["status"]), ParseInt(r["year"])));
            links.AddRange(Csv.List(r["resource_ids"]).Select(x => new SeedLink("project_resources", r["id"], x)));
            links.AddRange(Csv.List(r["actor_ids"]).Select(a => new SeedLink("project_actors", r["id"], a)));
            links.AddRange(Csv.List(r["source_ids"]).Select(s => new SeedLink("project_sources", r["id"], s)));
        }
        Unique(projects.Select(p => p.Id), "projects");

        var sessions = new List<SeedSession>();
        foreach (var r in Csv.Read(Knowledge("sessions.csv")))
        {
            var number = ParseInt(r["number"]) ?? throw new InvalidDataException($"sessions.csv: a session has no number ('{r["title"]}').");
            var id = SessionId(number);
            var territory = Csv.NullIfEmpty(r["territory_code"]);
            sessions.Add(new SeedSession(id, number, ParseDate(r["date"]), Csv.NullIfEmpty(r["date_precision"]), r["title"], r["format"],
                territory is null ? null : Territory(territory), Csv.NullIfEmpty(r["partner_actor_id"]), Csv.NullIfEmpty(r["location"]), Csv.NullIfEmpty(r["note"])));
            links.AddRange(Csv.List(r["source_ids"]).Select(s => new SeedLink("session_sources", id, s)));
        }
        var sessionIds = Unique(sessions.Select(s => s.Id), "sessions");

        var sessionLinks = Csv.Read(Knowledge("session_links.csv"))
            .GroupBy(r => SessionId(int.Parse(r["session_number"], CultureInfo.InvariantCulture)))
            .SelectMany(g => g.Select((r, i) => new SeedSessionLink(g.Key, i + 1, r["kind"], Csv.NullIfEmpty(r["url"]), Csv.NullIfEmpty(r["title"]))))
            .ToList();
        var speakers = Csv.Read(Knowledge("session_speakers.csv"))
            .GroupBy(r => SessionId(int.Parse(r["session_number"], CultureInfo.InvariantCulture)))
            .SelectMany(g => g.Select((r, i) => new SeedSpeaker(g.Key, r["actor_id"], Csv.NullIfEmpty(r["role"]), i + 1)))
            .ToList();

        var figures = new List<SeedFigure>();
        foreach (var r in Csv.Read(Knowledge("figures.csv")))
        {
            figures.Add(new SeedFigure(r["id"], Territory(r["territory_code"]), r["label"], r["value_text"], ParseDecimal(r["value_numeric"]),
                Csv.NullIfEmpty(r["unit"]), Csv.NullIfEmpty(r["reference_date"])));
            links.AddRange(Csv.List(r["source_ids"]).Select(s => new SeedLink("figure_sources", r["id"], s)));
        }
        Unique(figures.Select(f => f.Id), "figures");

        // Every reference resolves within the seeds, so that a mistake names its file instead of failing a foreign key.
        void Check(string file, string what, IEnumerable<string?> ids, HashSet<string> known)
        {
            var unknown = ids.OfType<string>().Where(id => !known.Contains(id)).Distinct().ToList();
            if (unknown.Count > 0) throw new InvalidDataException($"{file}: unknown {what}: {string.Join(", ", unknown)}.");
        }
        Check("seeds", "source ids", links.Where(l => l.Link.EndsWith("_sources", StringComparison.Ordinal)).Select(l => l.TargetId), sourceIds);
        Check("seeds", "territories", resources.Select(r => r.TerritoryId).Concat(projects.Select(p => p.TerritoryId))
            .Concat(figures.Select(f => f.TerritoryId)).Concat(sessions.Select(s => s.TerritoryId))
            .Concat(links.Where(l => l.Link == "actor_territories").Select(l => l.TargetId)), territoryIds);
        Check("seeds", "actor ids", links.Where(l => l.Link is "resource_actors" or "project_actors").Select(l => l.TargetId)
            .Concat(sessions.Select(s => s.PartnerActorId)).Concat(speakers.Select(s => s.ActorId)), actorIds);
        Check("projects.csv", "resource ids", links.Where(l => l.Link == "project_resources").Select(l => l.TargetId), resourceIds);
        Check("session_links.csv / session_speakers.csv", "session numbers", sessionLinks.Select(l => l.SessionId).Concat(speakers.Select(s => s.SessionId)), sessionIds);

        return new KnowledgeSeed(sources, actors, resources, projects, sessions, figures, links, sessionLinks, speakers);
    }

    private static string Territory(string code) => Seeder.TerritoryId(Seeder.Phase1, code);

    // Facts about a studied territory belong to its 2018-2022 record.
    private static IEnumerable<string> Territories(string codes) => Csv.List(codes).Select(Territory);

    private static HashSet<string> Unique(IEnumerable<string> ids, string collection)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (!set.Add(id)) throw new InvalidDataException($"{collection}: the id '{id}' appears twice.");
        }
        return set;
    }

    private static DateOnly? ParseDate(string value) =>
        string.IsNullOrWhiteSpace(value) ? null : DateOnly.ParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static int? ParseInt(string value) =>
        string.IsNullOrWhiteSpace(value) ? null : int.Parse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static decimal? ParseDecimal(string value) =>
        string.IsNullOrWhiteSpace(value) ? null : decimal.Parse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);
}
