namespace Observatoire.Contracts;

/// <summary>What the API serves: the vintage of its territory data, its records, where the change feed stands, and its versions.</summary>
/// <param name="Sources">The sources of the territory lists and perimeters, with the date of their data.</param>
/// <param name="Collections">How many records each collection holds.</param>
/// <param name="DataVersion">The current data version (as Observatoire-Min-Version counts them).</param>
/// <param name="DataChangedAt">When that version was committed.</param>
/// <param name="Since">The change feed's current position: GET /v1/changes?since= this token serves what changes from now on (and possibly a few changes already made).</param>
/// <param name="ApiVersion">The version of the running API.</param>
/// <param name="ContractVersion">The version of the OpenAPI contract it serves (info.version of the document).</param>
public sealed record StatusResponse(IReadOnlyList<DataSourceVintage> Sources, IReadOnlyList<CollectionCount> Collections,
    long DataVersion, DateTime DataChangedAt, string Since, string ApiVersion, string ContractVersion);

/// <summary>A source of the territory data and the date its data are of.</summary>
/// <param name="Id">The source's id, as at /v1/sources/{id}.</param>
/// <param name="Title">Its title.</param>
/// <param name="Phases">The phases whose territories cite it.</param>
/// <param name="Vintage">The date its data are of, as the source gives it (the list's update, the state of the geography, or the file's commit when nothing else is given); null when the source gives no date.</param>
public sealed record DataSourceVintage(string Id, string? Title, IReadOnlyList<string> Phases, DateOnly? Vintage);

/// <summary>The number of records of a collection.</summary>
/// <param name="Collection">The collection, as in its URL: "territories".</param>
/// <param name="Count">How many records it holds.</param>
public sealed record CollectionCount([property: CollectionName] string Collection, long Count);
