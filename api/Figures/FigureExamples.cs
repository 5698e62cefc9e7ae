using Observatoire.Contracts;

namespace Observatoire.Api.Figures;

/// <summary>Examples for the OpenAPI document, taken from the seed data (Nord Franche-Comté).</summary>
public static class FigureExamples
{
    public static readonly FigureRequest Request = new(
        TerritoryId: "2018-ti2707",
        Label: "Emplois industriels",
        ValueText: "plus de 30 000",
        ValueNumeric: 30000,
        Unit: "emplois",
        ReferenceDate: "2019",
        SourceIds: ["123dok-liste-seminaires"]);
}
