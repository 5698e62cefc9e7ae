using System.Text.Json.Nodes;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Sessions;

/// <summary>
/// Examples for the OpenAPI document, taken from the seed data: session 9 (Grand Chalon) in full, sessions 1 and 2
/// of 2019 as a page, and session 3 (Saint-Nazaire, whose speakers include person-016) in the relation routes and
/// the exports.
/// </summary>
public static class SessionExamples
{
    private static readonly DateTime Loaded = new(2026, 11, 26, 9, 0, 0, DateTimeKind.Utc);

    private const string GrandChalonTitle = "Le Grand Chalon s'illustre dans l'art d'entraîner";
    private const string GrandChalonReport = "https://ecole.org/en/session/1405-how-the-grand-chalon-show-the-way";
    private const string GrandChalonMinutes = "https://www.ecole.org/fr/journal/147-transcender-la-complexite/le-grand-chalon-sillustre-dans-lart-dentrainer";
    private const string GrandChalonNote =
        "Séminaire Aventures industrielles de l'École de Paris du management avec l'observatoire ; 9e séminaire de l'observatoire selon la SFEN ; " +
        "publié dans le Journal de l'École de Paris n°147. Un intervenant, le secrétaire général de l'UIMM 71, n'est pas nommé dans l'extrait et n'est pas listé.";

    private static readonly (string ActorId, string Name, string Role)[] GrandChalonSpeakers =
    [
        ("person-022", "Jean-François Debost", "directeur général du pôle de compétitivité Nuclear Valley"),
        ("person-023", "Jean-Claude Lagrange", "vice-président de la Région Bourgogne-Franche-Comté, développement économique"),
        ("person-024", "Patrice Di Ilio", "directeur d'établissement, Framatome"),
        ("person-021", "Sébastien Martin", "président de la CA du Grand Chalon"),
    ];

    public static readonly SessionRequest Request = new(
        Number: 9,
        Date: new DateOnly(2020, 6, 16),
        DatePrecision: "day",
        Title: GrandChalonTitle,
        Format: "territorial",
        TerritoryId: "2018-ti2702",
        PartnerActorId: "ecole-de-paris-du-management",
        Note: GrandChalonNote,
        Links:
        [
            new SessionLinkRequest("report", GrandChalonReport),
            new SessionLinkRequest("minutes", GrandChalonMinutes, GrandChalonTitle),
        ],
        Speakers: [.. GrandChalonSpeakers.Select(s => new SessionSpeakerRequest(s.ActorId, s.Role))],
        SourceIds: ["la-fabrique-ces-territoires", "ecole-org-session-grand-chalon", "sfen-etude-grand-chalon", "ecole-org-journal-147"]);

    public static readonly SessionResponse Response = new(
        "seance-09", 9, new DateOnly(2020, 6, 16), "day", GrandChalonTitle, "territorial",
        new TerritoryRef("2018-ti2702", "2018-2022", "TI2702", "Grand Chalon"),
        new ActorRef("ecole-de-paris-du-management", "École de Paris du management", "organisation"),
        null, GrandChalonNote,
        [new SessionLink("report", GrandChalonReport, null), new SessionLink("minutes", GrandChalonMinutes, GrandChalonTitle)],
        [.. GrandChalonSpeakers.Select(s => new SessionSpeaker(new ActorRef(s.ActorId, s.Name, "person"), s.Role))],
        [
            new SourceCitation("ecole-org-journal-147", GrandChalonMinutes, GrandChalonTitle, "École de Paris du management", null),
            new SourceCitation("ecole-org-session-grand-chalon", GrandChalonReport, null, "École de Paris du management", null),
            new SourceCitation("la-fabrique-ces-territoires", "https://www.la-fabrique.fr/fr/publication/ces-territoires-qui-cherchent-a-se-reindustrialiser-2/",
                "Ces territoires qui cherchent à se réindustrialiser", "La Fabrique de l'industrie", null),
            new SourceCitation("sfen-etude-grand-chalon", "https://www.sfen.org/rgn/nouvelle-etude-territoire-grand-chalon", null, "SFEN", null),
        ],
        Loaded, Loaded, 1);

    public static readonly Page<SessionSummary> Page = new(
        [
            new SessionSummary("seance-01", 1, new DateOnly(2019, 7, 5), "day", "Reconstruire l'industrie dans les territoires (séance inaugurale)",
                "inaugural", null, Loaded, 1),
            new SessionSummary("seance-02", 2, new DateOnly(2019, 9, 25), "day", "Le Nord Franche-Comté mise sur les filières d'avenir",
                "territorial", "2018-ti2707", Loaded, 1),
        ],
        new PageLinks($"/v1/sessions?year=2019&limit=2&cursor={Paging.ExampleCursor("number,id", "2", "seance-02")}"));

    private static readonly SessionSummary SaintNazaire = new(
        "seance-03", 3, new DateOnly(2019, 10, 23), "day", "Saint-Nazaire croit en son avenir industriel", "territorial", "2018-ti5209", Loaded, 1);

    public static readonly Page<SessionSummary> TerritoryPage = new([SaintNazaire], new PageLinks(null));

    public static readonly Page<SessionSummary> ActorPage = TerritoryPage;

    public static readonly string Csv =
        "id;number;date;datePrecision;title;format;territoryId;updatedAt;version\r\n" +
        "seance-03;3;2019-10-23;day;Saint-Nazaire croit en son avenir industriel;territorial;2018-ti5209;2026-11-26T09:00:00Z;1\r\n";

    public static readonly string Calendar =
        SessionCalendar.Header +
        SessionCalendar.Format(new SessionCalendar.Event(
            SaintNazaire.Id, SaintNazaire.Date!.Value, SaintNazaire.Title, null,
            SessionCalendar.Describe(3, "territorial", "Saint-Nazaire - Cordemais", null,
                ["Vivien Duthoit (directeur général adjoint de la CARENE)", "Patrick Pirrat (expert industriel, Chantiers de l'Atlantique)"]),
            null, Loaded, 1)) +
        SessionCalendar.Footer;

    public static readonly JsonObject InvalidDateProblem = new()
    {
        ["type"] = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        ["title"] = "One or more fields are invalid.",
        ["status"] = 400,
        ["instance"] = "/v1/sessions.ics",
        ["errors"] = new JsonObject { ["from"] = new JsonArray("'2019-10-32' is not a valid value for from: expected a date (YYYY-MM-DD).") },
        ["traceId"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
    };

    /// <summary>/v1/sessions/facets?territory=2018-ti2707: the sessions that featured Nord Franche-Comté.</summary>
    public static readonly FacetCounts Facets = new(new Dictionary<string, IReadOnlyList<FacetValue>>
    {
        ["year"] = [
            new("2019", null, 1)],
        ["sessionFormat"] = [
            new("territorial", null, 1)],
    });
}
