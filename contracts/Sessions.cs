using System.ComponentModel.DataAnnotations;
namespace Observatoire.Contracts;

/// <summary>A session as listed in a collection (light: no links, speakers or sources).</summary>
/// <param name="Id">Stable URL-safe id, e.g. "seance-09".</param>
/// <param name="Number">Its number in the observatory's programme, where it has one.</param>
/// <param name="Date">The day it was held (a calendar date, no time zone), or null when unknown. See datePrecision.</param>
/// <param name="DatePrecision">"day", "month" (the date is the first of the month) or "year" (the date is 1 January); null without a date.</param>
/// <param name="Title">Title of the session.</param>
/// <param name="Format">inaugural, territorial or thematic.</param>
/// <param name="TerritoryId">Id of the territory it featured, if any.</param>
/// <param name="UpdatedAt">When the record last changed.</param>
/// <param name="Version">Row version, incremented on every change.</param>
public sealed record SessionSummary(
    string Id, int? Number, DateOnly? Date, [property: OneOf(nameof(Vocabulary.DatePrecisions))] string? DatePrecision, string Title, [property: OneOf(nameof(Vocabulary.SessionFormats))] string Format, string? TerritoryId,
    DateTime UpdatedAt, long Version);

/// <summary>A document of a session.</summary>
/// <param name="Kind">presentation, report, video or minutes.</param>
/// <param name="Url">Where it can be read; null while it has no public URL.</param>
/// <param name="Title">Its title, where known.</param>
public sealed record SessionLink([property: OneOf(nameof(Vocabulary.SessionLinkKinds))] string Kind, string? Url, string? Title);

/// <summary>A speaker of a session.</summary>
/// <param name="Actor">The actor who spoke.</param>
/// <param name="Role">The role they spoke in, where known.</param>
public sealed record SessionSpeaker(ActorRef Actor, string? Role);

/// <summary>A séance de l'observatoire, with its documents, speakers and sources.</summary>
/// <param name="Id">Stable URL-safe id, e.g. "seance-09".</param>
/// <param name="Number">Its number in the observatory's programme, where it has one.</param>
/// <param name="Date">The day it was held (a calendar date, no time zone), or null when unknown. See datePrecision.</param>
/// <param name="DatePrecision">"day", "month" (the date is the first of the month) or "year" (the date is 1 January); null without a date.</param>
/// <param name="Title">Title of the session.</param>
/// <param name="Format">inaugural, territorial or thematic.</param>
/// <param name="Territory">The territory it featured, if any.</param>
/// <param name="Partner">The partner that co-organised it, if any.</param>
/// <param name="Location">Where it was held, where known.</param>
/// <param name="Note">How the record was established from its sources, where useful.</param>
/// <param name="Links">Its documents, in order.</param>
/// <param name="Speakers">Its speakers, in order.</param>
/// <param name="Sources">Where the facts come from.</param>
/// <param name="CreatedAt">When the record was created.</param>
/// <param name="UpdatedAt">When the record last changed.</param>
/// <param name="Version">Row version, incremented on every change (links and speakers included).</param>
public sealed record SessionResponse(
    string Id, int? Number, DateOnly? Date, [property: OneOf(nameof(Vocabulary.DatePrecisions))] string? DatePrecision, string Title, [property: OneOf(nameof(Vocabulary.SessionFormats))] string Format, TerritoryRef? Territory,
    ActorRef? Partner, string? Location, string? Note, IReadOnlyList<SessionLink> Links, IReadOnlyList<SessionSpeaker> Speakers,
    IReadOnlyList<SourceCitation> Sources, DateTime CreatedAt, DateTime UpdatedAt, long Version);

/// <summary>A document of a session, in a session write.</summary>
/// <param name="Kind">presentation, report, video or minutes.</param>
/// <param name="Url">Absolute http or https URL (at most 2048 characters); leave it out while the document has no public URL.</param>
/// <param name="Title">Title (at most 500 characters).</param>
public sealed record SessionLinkRequest([property: MaxLength(Lengths.Word)] string? Kind = null, [property: MaxLength(Lengths.Url)] string? Url = null, [property: MaxLength(Lengths.Title)] string? Title = null);

/// <summary>A speaker of a session, in a session write.</summary>
/// <param name="ActorId">Id of the actor who spoke.</param>
/// <param name="Role">The role they spoke in (at most 1000 characters).</param>
public sealed record SessionSpeakerRequest([property: MaxLength(Lengths.Id)] string? ActorId = null, [property: MaxLength(Lengths.Role)] string? Role = null);

/// <summary>The body of a session create or replace. Links and speakers belong to the session and are replaced with it.</summary>
/// <param name="Id">Optional on create (1 to 80 lowercase letters, digits and single hyphens); when absent it is "seance-NN" from the number, or generated. On replace, absent or equal to the id in the path.</param>
/// <param name="Number">Its number in the programme (positive, unique), if any.</param>
/// <param name="Date">The day it was held (YYYY-MM-DD), if known. With datePrecision "month" it is the first of the month, with "year" 1 January.</param>
/// <param name="DatePrecision">"day" (the default with a date), "month" or "year". Only with a date.</param>
/// <param name="Title">Title (1 to 500 characters).</param>
/// <param name="Format">inaugural, territorial or thematic.</param>
/// <param name="TerritoryId">Id of the territory it featured, if any.</param>
/// <param name="PartnerActorId">Id of the actor that co-organised it, if any.</param>
/// <param name="Location">Where it was held (at most 200 characters).</param>
/// <param name="Note">How the record was established (at most 4000 characters).</param>
/// <param name="Links">Its documents, in order (at most 20).</param>
/// <param name="Speakers">Its speakers, in order (at most 50, each actor once).</param>
/// <param name="SourceIds">Ids of the sources of these facts (at most 50).</param>
public sealed record SessionRequest(
    [property: MaxLength(Lengths.Id)] string? Id = null, int? Number = null, DateOnly? Date = null, [property: MaxLength(Lengths.Word)] string? DatePrecision = null, [property: MaxLength(Lengths.Title)] string? Title = null,
    [property: MaxLength(Lengths.Word)] string? Format = null, [property: MaxLength(Lengths.Id)] string? TerritoryId = null, [property: MaxLength(Lengths.Id)] string? PartnerActorId = null,
    [property: MaxLength(Lengths.Name)] string? Location = null, [property: MaxLength(Lengths.Description)] string? Note = null,
    [property: MaxLength(20)] IReadOnlyList<SessionLinkRequest>? Links = null, [property: MaxLength(50)] IReadOnlyList<SessionSpeakerRequest>? Speakers = null,
    [property: MaxLength(Lengths.FewIds), ItemMaxLength(Lengths.Id)] IReadOnlyList<string>? SourceIds = null);
