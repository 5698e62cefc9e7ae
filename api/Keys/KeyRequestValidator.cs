using FluentValidation;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Keys;

/// <summary>A key has a name and at least one known scope; its expiry, if any, is in the future.</summary>
public sealed class KeyRequestValidator : AbstractValidator<KeyRequest>
{
    public KeyRequestValidator(CollectionRegistry collections)
    {
        RuleFor(k => k.Name).NotEmpty()
            .Must(name => name is null || name.Trim().Length > 0).WithMessage("'name' must not be blank.");
        // Lengths and counts are the contract's [MaxLength], checked for every body (InputText).
        RuleFor(k => k.Scopes).NotEmpty().WithMessage("'scopes' must list at least one scope: admin, or write:<collection>.");
        // Each unknown scope is named, not only the first.
        RuleForEach(k => k.Scopes).Cascade(CascadeMode.Continue).Must(scope => scope is not null && Scopes.IsKnown(scope, collections))
            .WithMessage(scope => $"Unknown scope. A scope is one of: {string.Join(", ", Scopes.All(collections))}.");
        RuleFor(k => k.ExpiresAt).Must(at => at is null || at > DateTimeOffset.UtcNow)
            .WithMessage("'expiresAt' must be in the future.");
    }
}
