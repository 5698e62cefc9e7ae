using System.ComponentModel.DataAnnotations;
namespace Observatoire.Contracts;

/// <summary>A resource as listed in a collection (light: no linked records).</summary>
/// <param name="Id">Stable URL-safe id.</param>
/// <param name="Kind">natural, material, immaterial, human, financial or network (networks of actors).</param>
/// <param name="Name">Name of the resource.</param>
/// <param name="TerritoryId">Id of the territory that mobilises it.</param>
/// <param name="Tags">Sector or theme tags.</param>
/// <param name="UpdatedAt">When the record last changed.</param>
/// <param name="Version">Row version, incremented on every change.</param>
public sealed record ResourceSummary(
    string Id, [property: OneOf(nameof(Vocabulary.ResourceKinds))] string Kind, string Name, string TerritoryId, IReadOnlyList<string> Tags, DateTime UpdatedAt, long Version);

/// <summary>A ressource territoriale: what a territory mobilises, with the actors that carry it.</summary>
/// <param name="Id">Stable URL-safe id.</param>
/// <param name="Kind">natural, material, immaterial, human, financial or network (networks of actors).</param>
/// <param name="Name">Name of the resource.</param>
/// <param name="Description">What the sources say about it.</param>
/// <param name="Territory">The territory that mobilises it. Facts about a studied territory belong to its 2018-2022 record.</param>
/// <param name="Tags">Sector or theme tags.</param>
/// <param name="Actors">The actors that carry it.</param>
/// <param name="ProjectIds">Projects that combine it.</param>
/// <param name="Sources">Where the facts come from.</param>
/// <param name="CreatedAt">When the record was created.</param>
/// <param name="UpdatedAt">When the record last changed.</param>
/// <param name="Version">Row version, incremented on every change (the actor list included).</param>
public sealed record ResourceResponse(
    string Id, [property: OneOf(nameof(Vocabulary.ResourceKinds))] string Kind, string Name, string? Description, TerritoryRef Territory, IReadOnlyList<string> Tags,
    IReadOnlyList<ActorRef> Actors, IReadOnlyList<string> ProjectIds, IReadOnlyList<SourceCitation> Sources,
    DateTime CreatedAt, DateTime UpdatedAt, long Version);

/// <summary>The body of a resource create or replace.</summary>
/// <param name="Id">Optional on create (1 to 80 lowercase letters, digits and single hyphens); generated from the name when absent. On replace, absent or equal to the id in the path.</param>
/// <param name="Kind">natural, material, immaterial, human, financial or network.</param>
/// <param name="Name">Name (1 to 200 characters).</param>
/// <param name="Description">Description (at most 4000 characters).</param>
/// <param name="TerritoryId">Id of the territory that mobilises it.</param>
/// <param name="Tags">Sector or theme tags (at most 30, each 1 to 50 characters, no duplicates).</param>
/// <param name="ActorIds">Ids of the actors that carry it (at most 100).</param>
/// <param name="SourceIds">Ids of the sources of these facts (at most 50).</param>
public sealed record ResourceRequest(
    [property: MaxLength(Lengths.Id)] string? Id = null, [property: MaxLength(Lengths.Word)] string? Kind = null, [property: MaxLength(Lengths.Name)] string? Name = null, [property: MaxLength(Lengths.Description)] string? Description = null,
    [property: MaxLength(Lengths.Id)] string? TerritoryId = null, [property: MaxLength(30), ItemMaxLength(Lengths.Tag)] IReadOnlyList<string>? Tags = null,
    [property: MaxLength(Lengths.ManyIds), ItemMaxLength(Lengths.Id)] IReadOnlyList<string>? ActorIds = null, [property: MaxLength(Lengths.FewIds), ItemMaxLength(Lengths.Id)] IReadOnlyList<string>? SourceIds = null);
