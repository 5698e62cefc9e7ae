using FluentValidation;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Resources;

public sealed class ResourceRequestValidator : AbstractValidator<ResourceRequest>
{
    public const int MaxTags = 30;
    public const int TagLength = 50;

    public ResourceRequestValidator()
    {
        RuleFor(r => r.Id).MustBeId();
        RuleFor(r => r.Kind).NotEmpty().OneOf(Vocabulary.ResourceKinds);
        RuleFor(r => r.Name).NotEmpty().MaximumLength(Rules.NameLength);
        RuleFor(r => r.Description).OptionalText(Rules.DescriptionLength);
        RuleFor(r => r.TerritoryId).NotEmpty().MaximumLength(Ids.MaxLength);
        RuleFor(r => r.Tags)
            .Must(t => t is null || t.Count <= MaxTags).WithMessage($"At most {MaxTags} tags.")
            .Must(t => t is null || t.Select(x => x?.Trim()).Distinct().Count() == t.Count).WithMessage("Each tag may appear once.");
        RuleForEach(r => r.Tags).NotEmpty().Must(t => t.Trim().Length > 0).WithMessage("A tag must not be blank.").MaximumLength(TagLength);
        this.IdList(r => r.ActorIds, 100);
        this.IdList(r => r.SourceIds, 50);
    }
}
