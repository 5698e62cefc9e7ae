using System.Linq.Expressions;
using FluentValidation;
using Observatoire.Contracts;

namespace Observatoire.Api.Infrastructure;

/// <summary>Validation rules shared by the request validators.</summary>
public static class Rules
{
    public const int UrlLength = Lengths.Url;

    /// <summary>An id chosen by the client: a slug of at most 80 characters.</summary>
    public static IRuleBuilderOptions<T, string?> MustBeId<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(id => id is null || Ids.IsValid(id))
        .WithMessage($"An id is 1 to {Ids.MaxLength} lowercase letters (a-z), digits and single hyphens, e.g. 'fc-lab', other than {string.Join(", ", Ids.Reserved)} (a path of its own).");

    /// <summary>An absolute http or https URL of at most 2048 characters.</summary>
    public static IRuleBuilderOptions<T, string?> MustBeHttpUrl<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(url => url is null || (url.Length <= UrlLength && Uri.TryCreate(url, UriKind.Absolute, out var uri) &&
                                     (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        .WithMessage($"'{{PropertyName}}' must be an absolute http or https URL of at most {UrlLength} characters.");

    /// <summary>The value, when present, is one of <paramref name="values"/>; the document lists them as an enum.</summary>
    public static IRuleBuilderOptions<T, string?> OneOf<T>(this IRuleBuilder<T, string?> rule, IReadOnlyList<string> values) =>
        rule.SetValidator(new OneOfValidator<T>(values));

    /// <summary>
    /// A list of ids of other records, each once (how many and how long: the contract's [MaxLength] and
    /// [ItemMaxLength]). Unknown ids are checked against the database.
    /// </summary>
    public static void IdList<T>(this AbstractValidator<T> validator, Expression<Func<T, IReadOnlyList<string>?>> list)
    {
        validator.RuleFor(list)
            .Must(ids => ids is null || ids.Distinct().Count() == ids.Count).WithMessage("Each id may appear once.");
        // The same member, typed as FluentValidation's RuleForEach expects (the property name comes from it).
        var elements = Expression.Lambda<Func<T, IEnumerable<string>>>(list.Body, list.Parameters);
        validator.RuleForEach(elements).NotEmpty();
    }

    /// <summary>An optional text: when present, not blank (its length is the contract's [MaxLength]).</summary>
    public static IRuleBuilderOptions<T, string?> OptionalText<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(text => text is null || text.Trim().Length > 0).WithMessage("'{PropertyName}' must not be blank: leave it out instead.");

    /// <summary>Trims a text and turns a blank one into null.</summary>
    public static string? Clean(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
