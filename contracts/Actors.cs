using System.ComponentModel.DataAnnotations;
namespace Observatoire.Contracts;

/// <summary>An actor as listed in a collection (light: no linked records).</summary>
/// <param name="Id">Stable URL-safe id. A person's id is opaque ("person-…") and never carries the name.</param>
/// <param name="Type">"organisation" or "person".</param>
/// <param name="Category">elected_official, company, project_lead, public_agency, cluster_or_association, research_and_training, financial_body or other.</param>
/// <param name="Name">Name of the organisation, or of the person in their public role.</param>
/// <param name="Role">The public role the sources give, where known.</param>
/// <param name="Organisation">The organisation the actor belongs to or acts for, as text, where known.</param>
/// <param name="Website">The organisation's website, where known. Always null for a person.</param>
/// <param name="UpdatedAt">When the record last changed.</param>
/// <param name="Version">Row version, incremented on every change.</param>
public sealed record ActorSummary(
    string Id, [property: OneOf(nameof(Vocabulary.ActorTypes))] string Type, [property: OneOf(nameof(Vocabulary.ActorCategories))] string Category, string Name, string? Role, string? Organisation, string? Website,
    DateTime UpdatedAt, long Version);

/// <summary>
/// An organisation, or a person in their public role (name and role only: no contact details), with the
/// territories they act in and the records that refer to them.
/// </summary>
/// <param name="Id">Stable URL-safe id. A person's id is opaque ("person-…") and never carries the name.</param>
/// <param name="Type">"organisation" or "person".</param>
/// <param name="Category">elected_official, company, project_lead, public_agency, cluster_or_association, research_and_training, financial_body or other.</param>
/// <param name="Name">Name of the organisation, or of the person in their public role.</param>
/// <param name="Role">The public role the sources give, where known.</param>
/// <param name="Organisation">The organisation the actor belongs to or acts for, as text, where known.</param>
/// <param name="Website">The organisation's website, where known. Always null for a person.</param>
/// <param name="Territories">The territories the actor acts in.</param>
/// <param name="SessionIds">Sessions where the actor spoke or that it co-organised.</param>
/// <param name="ResourceIds">Resources the actor carries.</param>
/// <param name="ProjectIds">Projects the actor is involved in.</param>
/// <param name="Sources">Where the facts about the actor come from.</param>
/// <param name="CreatedAt">When the record was created.</param>
/// <param name="UpdatedAt">When the record last changed.</param>
/// <param name="Version">Row version, incremented on every change (the territory list included).</param>
public sealed record ActorResponse(
    string Id, [property: OneOf(nameof(Vocabulary.ActorTypes))] string Type, [property: OneOf(nameof(Vocabulary.ActorCategories))] string Category, string Name, string? Role, string? Organisation, string? Website,
    IReadOnlyList<TerritoryRef> Territories, IReadOnlyList<string> SessionIds, IReadOnlyList<string> ResourceIds,
    IReadOnlyList<string> ProjectIds, IReadOnlyList<SourceCitation> Sources, DateTime CreatedAt, DateTime UpdatedAt, long Version);

/// <summary>The body of an actor create or replace.</summary>
/// <param name="Id">Organisations only, optional on create (1 to 80 lowercase letters, digits and single hyphens); generated from the name when absent. A person's id is always generated and opaque: leave it out. On replace, absent or equal to the id in the path.</param>
/// <param name="Type">"organisation" or "person". Cannot change on replace.</param>
/// <param name="Category">elected_official, company, project_lead, public_agency, cluster_or_association, research_and_training, financial_body or other.</param>
/// <param name="Name">Name (1 to 200 characters).</param>
/// <param name="Role">Public role (at most 1000 characters).</param>
/// <param name="Organisation">Organisation, as text (at most 200 characters).</param>
/// <param name="Website">Organisations only: absolute http or https URL (at most 2048 characters).</param>
/// <param name="TerritoryIds">Ids of the territories the actor acts in (at most 50).</param>
/// <param name="SourceIds">Ids of the sources of these facts (at most 50).</param>
public sealed record ActorRequest(
    [property: MaxLength(Lengths.Id)] string? Id = null, [property: MaxLength(Lengths.Word)] string? Type = null, [property: MaxLength(Lengths.Word)] string? Category = null, [property: MaxLength(Lengths.Name)] string? Name = null,
    [property: MaxLength(Lengths.Role)] string? Role = null, [property: MaxLength(Lengths.Name)] string? Organisation = null, [property: MaxLength(Lengths.Url)] string? Website = null,
    [property: MaxLength(Lengths.FewIds), ItemMaxLength(Lengths.Id)] IReadOnlyList<string>? TerritoryIds = null, [property: MaxLength(Lengths.FewIds), ItemMaxLength(Lengths.Id)] IReadOnlyList<string>? SourceIds = null);
