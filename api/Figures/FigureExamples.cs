using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Figures;

/// <summary>Examples for the OpenAPI document, taken from the seed data (Nord Franche-Comté).</summary>
public static class FigureExamples
{
    private static readonly DateTime Loaded = new(2026, 11, 26, 9, 0, 0, DateTimeKind.Utc);

    public static readonly FigureRequest Request = new(
        TerritoryId: "2018-ti2707",
        Label: "Emplois industriels",
        ValueText: "plus de 30 000",
        ValueNumeric: 30000,
        Unit: "emplois",
        ReferenceDate: "2019",
        SourceIds: ["123dok-liste-seminaires"]);

    public static readonly FigureResponse Response = new(
        "nord-franche-comte-emplois-industriels-2019", "2018-ti2707", "Emplois industriels", "plus de 30 000", 30000, "emplois", "2019",
        [new SourceCitation("123dok-liste-seminaires",
            "https://123dok.net/article/liste-r%C3%A9sum%C3%A9-s%C3%A9minaires-territoires-cherchent-r%C3%A9industrialiser.qvlg8nkg",
            null, "123dok", null)],
        Loaded, Loaded, 1);

    /// <summary>The first page of /v1/figures?territory=2018-ti2707&amp;q=industriels&amp;sort=id&amp;limit=1.</summary>
    public static readonly Page<FigureResponse> Page = new(
        [Response],
        new PageLinks($"/v1/figures?territory=2018-ti2707&q=industriels&sort=id&limit=1&cursor={Paging.ExampleCursor("id", Response.Id)}"));

    /// <summary>The first page of /v1/territories/2018-ti2707/figures?q=industriels&amp;sort=id&amp;limit=1.</summary>
    public static readonly Page<FigureResponse> TerritoryPage = new(
        [Response],
        new PageLinks($"/v1/territories/2018-ti2707/figures?q=industriels&sort=id&limit=1&cursor={Paging.ExampleCursor("id", Response.Id)}"));

    /// <summary>/v1/figures?territory=2018-ti2707&amp;q=industriels&amp;sort=id&amp;format=csv: decimal commas, and a label holding the delimiter is quoted.</summary>
    public static readonly string Csv =
        "id;territoryId;label;valueText;valueNumeric;unit;referenceDate;sourceIds;createdAt;updatedAt;version\r\n" +
        "nord-franche-comte-emplois-industriels-2019;2018-ti2707;Emplois industriels;plus de 30 000;30000;emplois;2019;123dok-liste-seminaires;2026-11-26T09:00:00Z;2026-11-26T09:00:00Z;1\r\n" +
        "nord-franche-comte-part-emplois-industriels;2018-ti2707;\"Part des emplois industriels (agence de développement Nord Franche-Comté ; 12,7 % en France)\";21,2 % (12,7 % en France);21,2;%;2019;letrois-nfc-rails;2026-11-26T09:00:00Z;2026-11-26T09:00:00Z;1\r\n";
}
