using Observatoire.Contracts;

namespace Observatoire.Api.Sessions;

/// <summary>Examples for the OpenAPI document, taken from the seed data (session 9, Grand Chalon).</summary>
public static class SessionExamples
{
    public static readonly SessionRequest Request = new(
        Number: 9,
        Date: new DateOnly(2020, 6, 16),
        DatePrecision: "day",
        Title: "Le Grand Chalon s'illustre dans l'art d'entraîner",
        Format: "territorial",
        TerritoryId: "2018-ti2702",
        PartnerActorId: "ecole-de-paris-du-management",
        Links:
        [
            new SessionLinkRequest("report", "https://ecole.org/en/session/1405-how-the-grand-chalon-show-the-way"),
            new SessionLinkRequest("minutes", "https://www.ecole.org/fr/journal/147-transcender-la-complexite/le-grand-chalon-sillustre-dans-lart-dentrainer",
                "Le Grand Chalon s'illustre dans l'art d'entraîner"),
        ],
        Speakers:
        [
            new SessionSpeakerRequest("person-022", "directeur général du pôle de compétitivité Nuclear Valley"),
            new SessionSpeakerRequest("person-021", "président de la CA du Grand Chalon"),
        ],
        SourceIds: ["la-fabrique-ces-territoires", "ecole-org-session-grand-chalon"]);
}
