namespace Observatoire.Contracts;

/// <summary>A snapshot dump: every collection at one data version, read in one transaction, and where the change feed resumes after it.</summary>
/// <param name="DataVersion">The data version the dump holds (as Observatoire-Min-Version counts them): a later version gets a new dump.</param>
/// <param name="DataChangedAt">When that version was committed.</param>
/// <param name="CreatedAt">When the dump was read.</param>
/// <param name="Since">The change feed's position at the dump: GET /v1/changes?since= this token serves every change the dump may lack. A few changes it already holds may be served again; applying them again changes nothing.</param>
/// <param name="Collections">One file per collection, in the document's order.</param>
/// <param name="Links">Where to read the change feed from the dump on.</param>
public sealed record DumpManifest(long DataVersion, DateTime DataChangedAt, DateTime CreatedAt, string Since, IReadOnlyList<DumpFile> Collections, DumpLinks Links);

/// <summary>One collection of a dump: gzip-compressed JSON Lines, one record a line, each line the body its item GET answers.</summary>
/// <param name="Collection">The collection, as in its URL: "territories".</param>
/// <param name="Count">How many records (lines) the file holds.</param>
/// <param name="Bytes">The size of the file as served (compressed).</param>
/// <param name="Sha256">The SHA-256 of the file as served (compressed), in lowercase hexadecimal.</param>
/// <param name="Href">Where to download it; it is kept while its dump is one of the latest, and resumable with Range.</param>
public sealed record DumpFile([property: CollectionName] string Collection, long Count, long Bytes, string Sha256, string Href);

/// <summary>Links of a dump.</summary>
/// <param name="Changes">The change feed from the dump on: follow it to keep a copy made from the dump up to date.</param>
public sealed record DumpLinks(string Changes);
