using System.Globalization;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Sources;
using Observatoire.Api.Territories;
using Observatoire.Contracts;

namespace Observatoire.Api.Figures;

public sealed class FigureRequestValidator : AbstractValidator<FigureRequest>, IReferenceCheck<FigureRequest>
{
    private static readonly string[] ReferenceDateFormats = ["yyyy", "yyyy-MM", "yyyy-MM-dd"];

    public FigureRequestValidator()
    {
        RuleFor(f => f.Id).MustBeId();
        RuleFor(f => f.TerritoryId).NotEmpty();
        RuleFor(f => f.Label).NotEmpty();
        RuleFor(f => f.ValueText).NotEmpty();
        RuleFor(f => f.Unit).OptionalText();
        RuleFor(f => f.ReferenceDate).Must(BeAReferenceDate)
            .WithMessage("referenceDate is the date the figure refers to, as precise as the source: YYYY, YYYY-MM or YYYY-MM-DD.");
        this.IdList(f => f.SourceIds);
    }

    /// <summary>"2019", "2020-12" or "2024-04-16", and a real date.</summary>
    public static bool BeAReferenceDate(string? value) =>
        value is null || System.Text.RegularExpressions.Regex.IsMatch(value, "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$") && DateTime.TryParseExact(value, ReferenceDateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    public Task<ValidationProblem?> CheckReferencesAsync(FigureRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        References.CheckAsync(context, db, ct,
            References.Field.One("territoryId", TerritoriesApi.Collection.Name, request.TerritoryId),
            new References.Field("sourceIds", SourcesApi.Collection.Name, request.SourceIds));
}
