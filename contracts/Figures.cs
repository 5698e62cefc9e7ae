using System.ComponentModel.DataAnnotations;
namespace Observatoire.Contracts;

/// <summary>A key figure on a territory, as its source states it.</summary>
/// <param name="Id">Stable URL-safe id.</param>
/// <param name="TerritoryId">Id of the territory it describes.</param>
/// <param name="Label">What is counted or measured.</param>
/// <param name="ValueText">The value as the source states it, e.g. "plus de 30 000".</param>
/// <param name="ValueNumeric">The main number of the value, where the source gives one (M€ and Md€ converted to €, Mt to t).</param>
/// <param name="Unit">The unit of valueNumeric, e.g. "emplois", "€", "%", "ha".</param>
/// <param name="ReferenceDate">The date the figure refers to, as precise as the source: "YYYY", "YYYY-MM" or "YYYY-MM-DD"; null when the source gives none.</param>
/// <param name="Sources">Where the figure comes from.</param>
/// <param name="CreatedAt">When the record was created.</param>
/// <param name="UpdatedAt">When the record last changed.</param>
/// <param name="Version">Row version, incremented on every change.</param>
public sealed record FigureResponse(
    string Id, string TerritoryId, string Label, string ValueText, decimal? ValueNumeric, string? Unit, string? ReferenceDate,
    IReadOnlyList<SourceCitation> Sources, DateTime CreatedAt, DateTime UpdatedAt, long Version);

/// <summary>The body of a figure create or replace.</summary>
/// <param name="Id">Optional on create (1 to 80 lowercase letters, digits and single hyphens); generated from the label when absent. On replace, absent or equal to the id in the path.</param>
/// <param name="TerritoryId">Id of the territory it describes.</param>
/// <param name="Label">What is counted or measured (1 to 500 characters).</param>
/// <param name="ValueText">The value as the source states it (1 to 500 characters).</param>
/// <param name="ValueNumeric">The main number, if the source gives one.</param>
/// <param name="Unit">Unit of valueNumeric (at most 50 characters).</param>
/// <param name="ReferenceDate">"YYYY", "YYYY-MM" or "YYYY-MM-DD", as precise as the source.</param>
/// <param name="SourceIds">Ids of the sources of the figure (at most 50).</param>
public sealed record FigureRequest(
    [property: MaxLength(Lengths.Id)] string? Id = null, [property: MaxLength(Lengths.Id)] string? TerritoryId = null, [property: MaxLength(Lengths.Title)] string? Label = null, [property: MaxLength(Lengths.Title)] string? ValueText = null,
    decimal? ValueNumeric = null, [property: MaxLength(Lengths.Unit)] string? Unit = null, [property: MaxLength(10)] string? ReferenceDate = null,
    [property: MaxLength(Lengths.FewIds), ItemMaxLength(Lengths.Id)] IReadOnlyList<string>? SourceIds = null);
