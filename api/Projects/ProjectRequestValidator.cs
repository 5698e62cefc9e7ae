using FluentValidation;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Projects;

public sealed class ProjectRequestValidator : AbstractValidator<ProjectRequest>
{
    public ProjectRequestValidator()
    {
        RuleFor(p => p.Id).MustBeId();
        RuleFor(p => p.Name).NotEmpty().MaximumLength(Rules.NameLength);
        RuleFor(p => p.TerritoryId).NotEmpty().MaximumLength(Ids.MaxLength);
        RuleFor(p => p.Description).OptionalText(Rules.DescriptionLength);
        RuleFor(p => p.Status).OptionalText(100);
        RuleFor(p => p.Year).InclusiveBetween(1000, 9999);
        this.IdList(p => p.ResourceIds, 100);
        this.IdList(p => p.ActorIds, 100);
        this.IdList(p => p.SourceIds, 50);
    }
}
