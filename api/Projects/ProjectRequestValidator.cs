using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Actors;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Resources;
using Observatoire.Api.Sources;
using Observatoire.Api.Territories;
using Observatoire.Contracts;

namespace Observatoire.Api.Projects;

public sealed class ProjectRequestValidator : AbstractValidator<ProjectRequest>, IReferenceCheck<ProjectRequest>
{
    public ProjectRequestValidator()
    {
        RuleFor(p => p.Id).MustBeId();
        RuleFor(p => p.Name).NotEmpty();
        RuleFor(p => p.TerritoryId).NotEmpty();
        RuleFor(p => p.Description).OptionalText();
        RuleFor(p => p.Status).OptionalText();
        RuleFor(p => p.Year).InclusiveBetween(1000, 9999);
        this.IdList(p => p.ResourceIds);
        this.IdList(p => p.ActorIds);
        this.IdList(p => p.SourceIds);
    }

    public Task<ValidationProblem?> CheckReferencesAsync(ProjectRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        References.CheckAsync(context, db, ct,
            References.Field.One("territoryId", TerritoriesApi.Collection.Name, request.TerritoryId),
            new References.Field("resourceIds", ResourcesApi.Collection.Name, request.ResourceIds),
            new References.Field("actorIds", ActorsApi.Collection.Name, request.ActorIds),
            new References.Field("sourceIds", SourcesApi.Collection.Name, request.SourceIds));
}
