using System.Reflection;

namespace Observatoire.Contracts;

/// <summary>
/// The closed lists of values of the contract. A member or query parameter that takes one says so with
/// <see cref="OneOfAttribute"/>; the OpenAPI document lists the values as an enum and the API refuses others.
/// </summary>
public static class Vocabulary
{
    public static readonly IReadOnlyList<string> Phases = ["2018-2022", "2023-2027"];

    public static readonly IReadOnlyList<string> ResourceKinds = ["natural", "material", "immaterial", "human", "financial", "network"];

    public static readonly IReadOnlyList<string> ActorTypes = ["organisation", "person"];

    public static readonly IReadOnlyList<string> ActorCategories =
    [
        "elected_official", "company", "project_lead", "public_agency", "cluster_or_association", "research_and_training", "financial_body", "other",
    ];

    public static readonly IReadOnlyList<string> SessionFormats = ["inaugural", "territorial", "thematic"];

    public static readonly IReadOnlyList<string> DatePrecisions = ["day", "month", "year"];

    public static readonly IReadOnlyList<string> SessionLinkKinds = ["presentation", "report", "video", "minutes"];

    public static readonly IReadOnlyList<string> ChangeOperations = ["created", "updated", "deleted"];

    /// <summary>The geometry of a GeoJSON export of territories (geometry=).</summary>
    public static readonly IReadOnlyList<string> Geometries = ["perimeter", "point"];

    /// <summary>The list of values named <paramref name="name"/> (a field of this class, given with nameof).</summary>
    public static IReadOnlyList<string> Named(string name) =>
        typeof(Vocabulary).GetField(name, BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as IReadOnlyList<string>
        ?? throw new ArgumentException($"Vocabulary has no list named '{name}'.", nameof(name));
}

/// <summary>The shapes of the codes the contract carries (INSEE, SIREN, programme codes), as anchored regular expressions.</summary>
public static class Codes
{
    /// <summary>INSEE commune code (COG): 5 digits, or 2A/2B and 3 digits in Corsica, e.g. 90010, 2A004, 97105.</summary>
    public const string Commune = "^([0-9]{5}|2[AB][0-9]{3})$";

    /// <summary>INSEE department code: 01 to 95 (2A and 2B for Corsica, no 20), or 971 to 976 overseas.</summary>
    public const string Department = "^(0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-6])$";

    /// <summary>INSEE region code: 2 digits, e.g. 27.</summary>
    public const string Region = "^[0-9]{2}$";

    /// <summary>SIREN number: 9 digits.</summary>
    public const string Siren = "^[0-9]{9}$";

    /// <summary>Programme code of a territory: TI and 4 digits (2018-2022), ti- and 4 digits (2023-2027, ANCT id).</summary>
    public const string Programme = "^(TI[0-9]{4}|ti-[0-9]{4})$";

    public const string Programme2018 = "^TI[0-9]{4}$";

    public const string Programme2023 = "^ti-[0-9]{4}$";
}

/// <summary>The member or query parameter takes one of the values of the <see cref="Vocabulary"/> list named (with nameof).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class OneOfAttribute(string vocabulary) : Attribute
{
    public IReadOnlyList<string> Values { get; } = Vocabulary.Named(vocabulary);
}

/// <summary>
/// The member is the name of one of the API's collections, as in their URLs (search hits, the change feed). The
/// API lists them in the OpenAPI document from the collections it serves.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class CollectionNameAttribute : Attribute;

/// <summary>
/// The member or query parameter is a code of this shape (a pattern of <see cref="Codes"/>); on a list, each
/// element is.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class CodeAttribute(string pattern) : Attribute
{
    public string Pattern { get; } = pattern;
}

/// <summary>
/// The member is an API key scope: admin, or write: and the name of one of the API's collections. The API lists
/// them in the OpenAPI document from the collections it serves.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ScopeNameAttribute : Attribute;
