namespace Observatoire.Contracts;

/// <summary>
/// The longest text and the longest list a request body may hold, declared once on each member with
/// [MaxLength] (a string's length, a list's number of items) and <see cref="ItemMaxLengthAttribute"/> (each
/// string of a list). The OpenAPI document states them as maxLength and maxItems; the API refuses more with a 400
/// naming the field.
/// </summary>
public static class Lengths
{
    public const int Id = 80;
    /// <summary>A closed-list value (a kind, a type, a phase) or a code (INSEE, SIREN, programme).</summary>
    public const int Word = 40;
    public const int Name = 200;
    public const int Title = 500;
    public const int Role = 1000;
    public const int Description = 4000;
    public const int Url = 2048;
    public const int Tag = 50;
    public const int Unit = 50;
    public const int Status = 100;
    /// <summary>A search string (q): longer ones cost much more and find nothing more.</summary>
    public const int Search = 200;

    /// <summary>Ids of other records in one request (sources, territories of an actor).</summary>
    public const int FewIds = 50;
    /// <summary>Ids of other records in one request (resources or actors of a project).</summary>
    public const int ManyIds = 100;
}

/// <summary>Each string of the list is at most <see cref="Length"/> characters (the items' maxLength).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ItemMaxLengthAttribute(int length) : Attribute
{
    public int Length { get; } = length;
}
