namespace Observatoire.Contracts;

/// <summary>A territory as another record refers to it.</summary>
/// <param name="Id">Id of the territory, e.g. "2018-ti2707".</param>
/// <param name="Phase">Its phase: "2018-2022" or "2023-2027".</param>
/// <param name="Code">Its programme code.</param>
/// <param name="Name">Its name.</param>
public sealed record TerritoryRef(string Id, [property: OneOf(nameof(Vocabulary.Phases))] string Phase, [property: Code(Codes.Programme)] string Code, string Name);

/// <summary>An actor as another record refers to it.</summary>
/// <param name="Id">Id of the actor.</param>
/// <param name="Name">Its name.</param>
/// <param name="Type">"organisation" or "person".</param>
public sealed record ActorRef(string Id, string Name, [property: OneOf(nameof(Vocabulary.ActorTypes))] string Type);

/// <summary>A resource as another record refers to it.</summary>
/// <param name="Id">Id of the resource.</param>
/// <param name="Name">Its name.</param>
/// <param name="Kind">Its kind: natural, material, immaterial, human, financial or network.</param>
public sealed record ResourceRef(string Id, string Name, [property: OneOf(nameof(Vocabulary.ResourceKinds))] string Kind);

/// <summary>A source a record cites: where its facts come from. The full list is at /v1/sources.</summary>
/// <param name="Id">Id of the source.</param>
/// <param name="Url">Where the source can be read.</param>
/// <param name="Title">Its title, where known.</param>
/// <param name="Publisher">Who publishes it, where known.</param>
/// <param name="SeenOn">When it was last read, where recorded.</param>
public sealed record SourceCitation(string Id, string Url, string? Title, string? Publisher, DateOnly? SeenOn);
