using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Observatoire.Contracts;

/// <summary>A region (INSEE code and name).</summary>
/// <param name="Code">INSEE region code, e.g. "27".</param>
/// <param name="Name">Region name, e.g. "Bourgogne-Franche-Comté".</param>
public sealed record Region([property: Code(Codes.Region)] string Code, string? Name);

/// <summary>A geographic point (WGS 84).</summary>
/// <param name="Latitude">Latitude in decimal degrees.</param>
/// <param name="Longitude">Longitude in decimal degrees.</param>
public sealed record GeoPoint(double Latitude, double Longitude);

/// <summary>A grouping of communes that belongs to a territory: an EPCI (intercommunalité), an EPT, or a single commune.</summary>
/// <param name="Siren">SIREN number of the grouping (9 digits).</param>
/// <param name="Name">Name of the grouping.</param>
/// <param name="Kind">Legal form where known: CA, CC, CU, METRO, MET69, EPT, or COM for a single commune.</param>
public sealed record Grouping([property: Code(Codes.Siren), MaxLength(Lengths.Word)] string Siren, [property: MaxLength(Lengths.Name)] string Name, [property: MaxLength(10)] string? Kind);

/// <summary>A commune of a territory.</summary>
/// <param name="InseeCode">INSEE commune code (Code officiel géographique 2026).</param>
/// <param name="Name">Commune name.</param>
public sealed record Commune([property: Code(Codes.Commune), MaxLength(Lengths.Word)] string InseeCode, [property: MaxLength(Lengths.Name)] string Name);

/// <summary>A territory of the other phase that shares communes with this one.</summary>
/// <param name="Id">Id of the linked territory.</param>
/// <param name="Phase">Its phase.</param>
/// <param name="Code">Its programme code.</param>
/// <param name="Name">Its name.</param>
/// <param name="SharedCommunes">Number of communes the two territories have in common.</param>
/// <param name="CommunesOfThis">Number of communes of this territory (its member communes).</param>
/// <param name="CommunesOfOther">Number of communes of the linked territory.</param>
/// <param name="ShareOfThis">The share of this territory's communes the link rests on (sharedCommunes / communesOfThis, 0 to 1, to 4 decimals).</param>
/// <param name="ShareOfOther">The share of the linked territory's communes the link rests on (sharedCommunes / communesOfOther, 0 to 1, to 4 decimals). A real succession shares most of both; a link resting on one commune of many, a sliver.</param>
public sealed record TerritoryLink(
    string Id, [property: OneOf(nameof(Vocabulary.Phases))] string Phase, [property: Code(Codes.Programme)] string Code, string Name, int SharedCommunes,
    int CommunesOfThis, int CommunesOfOther, [property: Range(0.0, 1.0)] double ShareOfThis, [property: Range(0.0, 1.0)] double ShareOfOther);

/// <summary>A Territoire d'industrie as listed in a collection (light: no member lists).</summary>
/// <param name="Id">Stable URL-safe id: first year of the phase and the programme code, e.g. "2018-ti2707".</param>
/// <param name="Phase">Programme phase: "2018-2022" or "2023-2027".</param>
/// <param name="Code">Programme code, meaningful only with its phase: "TI2707" (2018-2022) or "ti-2708" (2023-2027, ANCT id).</param>
/// <param name="Name">Name of the territory.</param>
/// <param name="Regions">Regions the territory covers.</param>
/// <param name="Departments">INSEE codes of the departments it covers.</param>
/// <param name="CommuneCount">Number of member communes (current INSEE codes).</param>
/// <param name="Point">A representative point: the population-weighted mean of the communes' centroids.</param>
/// <param name="Studied">Whether the observatory studied this territory.</param>
/// <param name="UpdatedAt">When the record last changed.</param>
/// <param name="Version">Row version, incremented on every change.</param>
/// <param name="Included">The related collections asked for with include=; absent when none was asked for.</param>
public sealed record TerritorySummary(
    string Id, [property: OneOf(nameof(Vocabulary.Phases))] string Phase, [property: Code(Codes.Programme)] string Code, string Name, IReadOnlyList<Region> Regions,
    [property: Code(Codes.Department)] IReadOnlyList<string> Departments,
    int CommuneCount, GeoPoint? Point, bool Studied, DateTime UpdatedAt, long Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TerritoryIncluded? Included = null);

/// <summary>A Territoire d'industrie with its member groupings and its links to the other phase.</summary>
/// <param name="Id">Stable URL-safe id: first year of the phase and the programme code, e.g. "2018-ti2707".</param>
/// <param name="Phase">Programme phase: "2018-2022" or "2023-2027".</param>
/// <param name="Code">Programme code, meaningful only with its phase.</param>
/// <param name="Name">Name of the territory.</param>
/// <param name="Regions">Regions the territory covers.</param>
/// <param name="Departments">INSEE codes of the departments it covers.</param>
/// <param name="CommuneCount">Number of member communes; the list is at /v1/territories/{id}/communes.</param>
/// <param name="Population">Sum of the legal populations of its communes, where known.</param>
/// <param name="Point">A representative point: the population-weighted mean of the communes' centroids.</param>
/// <param name="Studied">Whether the observatory studied this territory.</param>
/// <param name="Groupings">Member EPCI and other groupings, by SIREN.</param>
/// <param name="Predecessors">Territories of the earlier phase sharing communes with this one.</param>
/// <param name="Successors">Territories of the later phase sharing communes with this one.</param>
/// <param name="Figures">Key figures on the territory. Facts about a studied territory belong to its 2018-2022 record, which its 2023-2027 successor lists among its predecessors.</param>
/// <param name="Sources">Where the territory's data come from.</param>
/// <param name="CreatedAt">When the record was created.</param>
/// <param name="UpdatedAt">When the record last changed.</param>
/// <param name="Version">Row version, incremented on every change.</param>
/// <param name="Included">The related collections asked for with include=; absent when none was asked for.</param>
public sealed record TerritoryResponse(
    string Id, [property: OneOf(nameof(Vocabulary.Phases))] string Phase, [property: Code(Codes.Programme)] string Code, string Name, IReadOnlyList<Region> Regions,
    [property: Code(Codes.Department)] IReadOnlyList<string> Departments,
    int CommuneCount, int? Population, GeoPoint? Point, bool Studied, IReadOnlyList<Grouping> Groupings,
    IReadOnlyList<TerritoryLink> Predecessors, IReadOnlyList<TerritoryLink> Successors,
    IReadOnlyList<FigureResponse> Figures, IReadOnlyList<SourceCitation> Sources,
    DateTime CreatedAt, DateTime UpdatedAt, long Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TerritoryIncluded? Included = null);

/// <summary>
/// The records related to a territory that a read asked for with include=, each list whole, in the order of its
/// relation route (/v1/territories/{id}/resources and so on). A collection that was not asked for is absent.
/// </summary>
/// <param name="Resources">The resources the territory mobilises, by id (include=resources).</param>
/// <param name="Actors">The actors acting in the territory, by id (include=actors).</param>
/// <param name="Sessions">The sessions that featured the territory, by number then id (include=sessions).</param>
/// <param name="Projects">The projects of the territory, by id (include=projects).</param>
public sealed record TerritoryIncluded(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ResourceSummary>? Resources = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ActorSummary>? Actors = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<SessionSummary>? Sessions = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ProjectSummary>? Projects = null);

/// <summary>The body of a territory create or replace. The id is derived from the phase and the code.</summary>
/// <param name="Phase">Programme phase: "2018-2022" or "2023-2027".</param>
/// <param name="Code">Programme code: "TI" and 4 digits in 2018-2022, "ti-" and 4 digits in 2023-2027.</param>
/// <param name="Name">Name of the territory (1 to 200 characters).</param>
/// <param name="RegionCodes">INSEE codes of the regions it covers (at least one).</param>
/// <param name="DepartmentCodes">INSEE codes of the departments it covers (at least one).</param>
/// <param name="Population">Population, where known.</param>
/// <param name="Point">A representative point, where known.</param>
/// <param name="Studied">Whether the observatory studied it (default false).</param>
/// <param name="Groupings">Member groupings.</param>
/// <param name="Communes">Member communes.</param>
/// <param name="SourceIds">Ids of the sources of these data (at most 50).</param>
public sealed record TerritoryRequest(
    [property: MaxLength(Lengths.Word)] string? Phase = null, [property: MaxLength(Lengths.Word)] string? Code = null, [property: MaxLength(Lengths.Name)] string? Name = null,
    [property: MaxLength(20), ItemMaxLength(Lengths.Word)] IReadOnlyList<string>? RegionCodes = null,
    [property: MaxLength(30), ItemMaxLength(Lengths.Word)] IReadOnlyList<string>? DepartmentCodes = null, int? Population = null, GeoPoint? Point = null, bool? Studied = null,
    [property: MaxLength(200)] IReadOnlyList<Grouping>? Groupings = null, [property: MaxLength(5000)] IReadOnlyList<Commune>? Communes = null,
    [property: MaxLength(Lengths.FewIds), ItemMaxLength(Lengths.Id)] IReadOnlyList<string>? SourceIds = null);
