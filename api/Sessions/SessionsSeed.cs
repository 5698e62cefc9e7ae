using System.Globalization;
using Observatoire.Api.Database;

namespace Observatoire.Api.Sessions;

/// <summary>
/// seeds/knowledge/sessions.csv (the sessions and their sources), session_links.csv (their documents) and
/// session_speakers.csv (their speakers), the last two in order within each session.
/// </summary>
public static class SessionsSeed
{
    private static readonly SeedTable Sessions = SeedTable.Records("sessions",
        ["number", "date", "date_precision", "title", "format", "territory_id", "partner_actor_id", "location", "note"],
        new() { ["territory_id"] = "territories", ["partner_actor_id"] = "actors" });
    private static readonly SeedTable SessionSources = SeedTable.Links("session_sources", ("session_id", "sessions"), ("source_id", "sources"));
    private static readonly SeedTable SessionLinks = SeedTable.Owned("session_links", ("session_id", "sessions"), ["position"], ["kind", "url", "title"]);
    private static readonly SeedTable SessionSpeakers = SeedTable.Owned("session_speakers", ("session_id", "sessions"), ["actor_id"], ["role", "position"],
        new() { ["actor_id"] = "actors" });

    public static readonly CollectionSeed Seed = new([Sessions, SessionSources, SessionLinks, SessionSpeakers], Read);

    /// <summary>The id of the session with this number: "seance-01" … "seance-15".</summary>
    private static string SessionId(int number) => $"seance-{number:00}";

    private static string SessionId(SeedRow r) => SessionId(int.Parse(r["session_number"], CultureInfo.InvariantCulture));

    private static void Read(SeedSet seeds)
    {
        foreach (var r in seeds.Read("knowledge", "sessions.csv"))
        {
            var number = Csv.Int(r["number"]) ?? throw new InvalidDataException($"sessions.csv: a session has no number ('{r["title"]}').");
            var id = SessionId(number);
            var territory = Csv.NullIfEmpty(r["territory_code"]);
            r.Add(Sessions, id, number, Csv.Date(r["date"]), Csv.NullIfEmpty(r["date_precision"]), r["title"], r["format"],
                territory is null ? null : SeedSet.Territory(territory), Csv.NullIfEmpty(r["partner_actor_id"]), Csv.NullIfEmpty(r["location"]),
                Csv.NullIfEmpty(r["note"]));
            r.Link(SessionSources, id, Csv.List(r["source_ids"]));
        }
        foreach (var session in seeds.Read("knowledge", "session_links.csv").GroupBy(SessionId))
        {
            foreach (var (i, r) in session.Index())
            {
                r.Add(SessionLinks, session.Key, i + 1, r["kind"], Csv.NullIfEmpty(r["url"]), Csv.NullIfEmpty(r["title"]));
            }
        }
        foreach (var session in seeds.Read("knowledge", "session_speakers.csv").GroupBy(SessionId))
        {
            foreach (var (i, r) in session.Index())
            {
                r.Add(SessionSpeakers, session.Key, r["actor_id"], Csv.NullIfEmpty(r["role"]), i + 1);
            }
        }
    }
}
