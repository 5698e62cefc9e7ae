using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Database;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Sources;
using Observatoire.Contracts;

namespace Observatoire.Api.Territories;

public sealed class TerritoryRequestValidator : AbstractValidator<TerritoryRequest>, IReferenceCheck<TerritoryRequest>
{
    public TerritoryRequestValidator()
    {
        RuleFor(t => t.Phase).NotEmpty().OneOf(Vocabulary.Phases);
        RuleFor(t => t.Code).NotEmpty().Matches(Codes.Programme)
            .WithMessage("A code is 'TI' and 4 digits (2018-2022, e.g. TI2707) or 'ti-' and 4 digits (2023-2027, e.g. ti-2708).");
        RuleFor(t => t.Code).Matches(Codes.Programme2018).When(t => t.Phase == Seeder.Phase1)
            .WithMessage("In phase 2018-2022 a code is 'TI' and 4 digits, e.g. TI2707.");
        RuleFor(t => t.Code).Matches(Codes.Programme2023).When(t => t.Phase == Seeder.Phase2)
            .WithMessage("In phase 2023-2027 a code is 'ti-' and 4 digits (the ANCT id), e.g. ti-2708.");
        RuleFor(t => t.Name).NotEmpty();
        RuleFor(t => t.RegionCodes).NotEmpty();
        RuleForEach(t => t.RegionCodes).Matches(Codes.Region).WithMessage("A region code is 2 digits (INSEE), e.g. 27.");
        RuleFor(t => t.DepartmentCodes).NotEmpty();
        RuleForEach(t => t.DepartmentCodes).Matches(Codes.Department).WithMessage("A department code is INSEE's: 01 to 95, 2A, 2B, or 971 to 976.");
        RuleFor(t => t.Population).GreaterThanOrEqualTo(0);
        RuleFor(t => t.Point).SetValidator(new GeoPointValidator()!);
        RuleFor(t => t.Groupings).Must(g => g!.Select(x => x?.Siren).Distinct().Count() == g!.Count).When(t => t.Groupings is not null).WithMessage("Each SIREN may appear once.");
        RuleForEach(t => t.Groupings).NotNull().SetValidator(new GroupingValidator());
        RuleFor(t => t.Communes).Must(c => c!.Select(x => x?.InseeCode).Distinct().Count() == c!.Count).When(t => t.Communes is not null).WithMessage("Each INSEE code may appear once.");
        RuleForEach(t => t.Communes).NotNull().SetValidator(new CommuneValidator());
        this.IdList(t => t.SourceIds);
    }
    private const string UnknownRegions = "select array(select unnest(@codes::text[]) except select code from regions)";

    public async Task<ValidationProblem?> CheckReferencesAsync(TerritoryRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            var unknown = await connection.ExecuteScalarAsync<string[]>(new CommandDefinition(UnknownRegions, new { codes = request.RegionCodes!.ToArray() }, cancellationToken: ct));
            if (unknown is { Length: > 0 }) return Problems.Validation(context, "regionCodes", $"Unknown region code(s): {string.Join(", ", unknown)}.");
        }
        return await References.CheckAsync(context, db, ct, new References.Field("sourceIds", SourcesApi.Collection.Name, request.SourceIds));
    }
}

public sealed class GeoPointValidator : AbstractValidator<GeoPoint>
{
    public GeoPointValidator()
    {
        RuleFor(p => p.Latitude).InclusiveBetween(-90, 90);
        RuleFor(p => p.Longitude).InclusiveBetween(-180, 180);
    }
}

public sealed class GroupingValidator : AbstractValidator<Grouping>
{
    public GroupingValidator()
    {
        RuleFor(x => x.Siren).NotEmpty().Matches(Codes.Siren).WithMessage("A SIREN is 9 digits.");
        RuleFor(x => x.Name).NotEmpty();
        RuleFor(x => x.Kind);
    }
}

public sealed class CommuneValidator : AbstractValidator<Commune>
{
    public CommuneValidator()
    {
        RuleFor(x => x.InseeCode).NotEmpty().Matches(Codes.Commune).WithMessage("An INSEE commune code is 5 characters, e.g. 90010 or 2A004.");
        RuleFor(x => x.Name).NotEmpty();
    }

}
