using System.ComponentModel.DataAnnotations;
namespace Observatoire.Contracts;

/// <summary>A project as listed in a collection (light: no linked records).</summary>
/// <param name="Id">Stable URL-safe id.</param>
/// <param name="Name">Name of the project.</param>
/// <param name="TerritoryId">Id of its territory.</param>
/// <param name="Status">Its status in the sources' words (e.g. "signé", "abandonné"), where known.</param>
/// <param name="Year">The year the sources tie to the project (label, opening, signature…), where known.</param>
/// <param name="UpdatedAt">When the record last changed.</param>
/// <param name="Version">Row version, incremented on every change.</param>
public sealed record ProjectSummary(
    string Id, string Name, string TerritoryId, string? Status, int? Year, DateTime UpdatedAt, long Version);

/// <summary>A projet de territoire: a shared project through which actors combine resources, the observatory's unit of analysis.</summary>
/// <param name="Id">Stable URL-safe id.</param>
/// <param name="Name">Name of the project.</param>
/// <param name="Territory">Its territory.</param>
/// <param name="Description">What the sources say about it; it says what the year refers to.</param>
/// <param name="Status">Its status in the sources' words, where known.</param>
/// <param name="Year">The year the sources tie to the project, where known.</param>
/// <param name="Resources">The resources it combines.</param>
/// <param name="Actors">The actors involved.</param>
/// <param name="Sources">Where the facts come from.</param>
/// <param name="CreatedAt">When the record was created.</param>
/// <param name="UpdatedAt">When the record last changed.</param>
/// <param name="Version">Row version, incremented on every change (the linked lists included).</param>
public sealed record ProjectResponse(
    string Id, string Name, TerritoryRef Territory, string? Description, string? Status, int? Year,
    IReadOnlyList<ResourceRef> Resources, IReadOnlyList<ActorRef> Actors, IReadOnlyList<SourceCitation> Sources,
    DateTime CreatedAt, DateTime UpdatedAt, long Version);

/// <summary>The body of a project create or replace.</summary>
/// <param name="Id">Optional on create (1 to 80 lowercase letters, digits and single hyphens); generated from the name when absent. On replace, absent or equal to the id in the path.</param>
/// <param name="Name">Name (1 to 200 characters).</param>
/// <param name="TerritoryId">Id of its territory.</param>
/// <param name="Description">Description (at most 4000 characters).</param>
/// <param name="Status">Status (at most 100 characters).</param>
/// <param name="Year">Year (1000 to 9999).</param>
/// <param name="ResourceIds">Ids of the resources it combines (at most 100).</param>
/// <param name="ActorIds">Ids of the actors involved (at most 100).</param>
/// <param name="SourceIds">Ids of the sources of these facts (at most 50).</param>
public sealed record ProjectRequest(
    [property: MaxLength(Lengths.Id)] string? Id = null, [property: MaxLength(Lengths.Name)] string? Name = null, [property: MaxLength(Lengths.Id)] string? TerritoryId = null,
    [property: MaxLength(Lengths.Description)] string? Description = null, [property: MaxLength(Lengths.Status)] string? Status = null, int? Year = null,
    [property: MaxLength(Lengths.ManyIds), ItemMaxLength(Lengths.Id)] IReadOnlyList<string>? ResourceIds = null, [property: MaxLength(Lengths.ManyIds), ItemMaxLength(Lengths.Id)] IReadOnlyList<string>? ActorIds = null,
    [property: MaxLength(Lengths.FewIds), ItemMaxLength(Lengths.Id)] IReadOnlyList<string>? SourceIds = null);
