using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Projects;

public sealed class ProjectRequestValidator : AbstractValidator<ProjectRequest>, IReferenceCheck<ProjectRequest>
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

    public Task<ValidationProblem?> CheckReferencesAsync(ProjectRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        References.CheckAsync(context, db, ct,
            References.Field.One("territoryId", Collections.Territories, request.TerritoryId),
            new References.Field("resourceIds", Collections.Resources, request.ResourceIds),
            new References.Field("actorIds", Collections.Actors, request.ActorIds),
            new References.Field("sourceIds", Collections.Sources, request.SourceIds));
}
