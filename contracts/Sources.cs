using System.ComponentModel.DataAnnotations;
namespace Observatoire.Contracts;

/// <summary>A source: a public page, document, repository or package that facts come from.</summary>
/// <param name="Id">Stable URL-safe id, e.g. "la-fabrique-ces-territoires".</param>
/// <param name="Url">Where the source can be read (absolute http or https URL).</param>
/// <param name="Title">Its title, where known.</param>
/// <param name="Publisher">Who publishes it, where known.</param>
/// <param name="SeenOn">When it was last read, where recorded.</param>
/// <param name="CreatedAt">When the record was created.</param>
/// <param name="UpdatedAt">When the record last changed.</param>
/// <param name="Version">Row version, incremented on every change.</param>
public sealed record SourceResponse(
    string Id, string Url, string? Title, string? Publisher, DateOnly? SeenOn, DateTime CreatedAt, DateTime UpdatedAt, long Version);

/// <summary>The body of a source create or replace.</summary>
/// <param name="Id">Optional on create (1 to 80 lowercase letters, digits and single hyphens); generated from the title or the URL when absent. On replace, absent or equal to the id in the path.</param>
/// <param name="Url">Absolute http or https URL (at most 2048 characters).</param>
/// <param name="Title">Title (at most 500 characters).</param>
/// <param name="Publisher">Publisher (at most 200 characters).</param>
/// <param name="SeenOn">When it was last read (YYYY-MM-DD).</param>
public sealed record SourceRequest(
    [property: MaxLength(Lengths.Id)] string? Id = null, [property: MaxLength(Lengths.Url)] string? Url = null, [property: MaxLength(Lengths.Title)] string? Title = null, [property: MaxLength(Lengths.Name)] string? Publisher = null, DateOnly? SeenOn = null);
