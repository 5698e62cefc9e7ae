using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Sources;
using Observatoire.Api.Territories;
using Observatoire.Contracts;

namespace Observatoire.Api.Actors;

public sealed class ActorRequestValidator : AbstractValidator<ActorRequest>, IReferenceCheck<ActorRequest>
{
    public ActorRequestValidator()
    {
        RuleFor(a => a.Type).NotEmpty().OneOf(Vocabulary.ActorTypes);
        RuleFor(a => a.Id).MustBeId().When(a => a.Type != "person");
        RuleFor(a => a.Id).Null().When(a => a.Type == "person")
            .WithMessage("A person's id is generated and opaque, so that it never carries the name: leave id out.");
        RuleFor(a => a.Category).NotEmpty().OneOf(Vocabulary.ActorCategories);
        RuleFor(a => a.Name).NotEmpty();
        RuleFor(a => a.Role).OptionalText();
        RuleFor(a => a.Organisation).OptionalText();
        RuleFor(a => a.Website).Null().When(a => a.Type == "person")
            .WithMessage("A person is recorded in their public role only: no website and no contact details.");
        RuleFor(a => a.Website).MustBeHttpUrl().When(a => a.Type != "person");
        this.IdList(a => a.TerritoryIds);
        this.IdList(a => a.SourceIds);
    }

    public Task<ValidationProblem?> CheckReferencesAsync(ActorRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        References.CheckAsync(context, db, ct,
            new References.Field("territoryIds", TerritoriesApi.Collection.Name, request.TerritoryIds),
            new References.Field("sourceIds", SourcesApi.Collection.Name, request.SourceIds));
}
