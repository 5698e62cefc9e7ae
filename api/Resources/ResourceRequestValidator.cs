using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Actors;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Sources;
using Observatoire.Api.Territories;
using Observatoire.Contracts;

namespace Observatoire.Api.Resources;

public sealed class ResourceRequestValidator : AbstractValidator<ResourceRequest>, IReferenceCheck<ResourceRequest>
{
    public ResourceRequestValidator()
    {
        RuleFor(r => r.Id).MustBeId();
        RuleFor(r => r.Kind).NotEmpty().OneOf(Vocabulary.ResourceKinds);
        RuleFor(r => r.Name).NotEmpty();
        RuleFor(r => r.Description).OptionalText();
        RuleFor(r => r.TerritoryId).NotEmpty();
        RuleFor(r => r.Tags)
            .Must(t => t is null || t.Select(x => x?.Trim()).Distinct().Count() == t.Count).WithMessage("Each tag may appear once.");
        RuleForEach(r => r.Tags).NotEmpty().Must(t => t.Trim().Length > 0).WithMessage("A tag must not be blank.");
        this.IdList(r => r.ActorIds);
        this.IdList(r => r.SourceIds);
    }

    public Task<ValidationProblem?> CheckReferencesAsync(ResourceRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        References.CheckAsync(context, db, ct,
            References.Field.One("territoryId", TerritoriesApi.Collection.Name, request.TerritoryId),
            new References.Field("actorIds", ActorsApi.Collection.Name, request.ActorIds),
            new References.Field("sourceIds", SourcesApi.Collection.Name, request.SourceIds));
}
