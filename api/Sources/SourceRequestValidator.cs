using FluentValidation;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Sources;

public sealed class SourceRequestValidator : AbstractValidator<SourceRequest>
{
    public SourceRequestValidator()
    {
        RuleFor(s => s.Id).MustBeId();
        RuleFor(s => s.Url).NotEmpty().MustBeHttpUrl();
        RuleFor(s => s.Title).OptionalText();
        RuleFor(s => s.Publisher).OptionalText();
    }
}
