using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Actors;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Sources;
using Observatoire.Api.Territories;
using Observatoire.Contracts;

namespace Observatoire.Api.Sessions;

public sealed class SessionRequestValidator : AbstractValidator<SessionRequest>, IReferenceCheck<SessionRequest>
{
    public SessionRequestValidator()
    {
        RuleFor(s => s.Id).MustBeId();
        RuleFor(s => s.Number).InclusiveBetween(1, 100_000);
        RuleFor(s => s.DatePrecision).OneOf(Vocabulary.DatePrecisions);
        RuleFor(s => s.DatePrecision).Null().When(s => s.Date is null)
            .WithMessage("datePrecision only applies to a date: give the date too, or leave datePrecision out.");
        RuleFor(s => s.Date).Must(d => d!.Value.Day == 1).When(s => s.Date is not null && s.DatePrecision == "month")
            .WithMessage("With datePrecision \"month\", the date is the first day of the month, e.g. 2021-01-01.");
        RuleFor(s => s.Date).Must(d => d!.Value is { Day: 1, Month: 1 }).When(s => s.Date is not null && s.DatePrecision == "year")
            .WithMessage("With datePrecision \"year\", the date is 1 January of the year, e.g. 2021-01-01.");
        RuleFor(s => s.Title).NotEmpty();
        RuleFor(s => s.Format).NotEmpty().OneOf(Vocabulary.SessionFormats);
        RuleFor(s => s.TerritoryId).OptionalText();
        RuleFor(s => s.PartnerActorId).OptionalText();
        RuleFor(s => s.Location).OptionalText();
        RuleFor(s => s.Note).OptionalText();
        RuleForEach(s => s.Links).NotNull().ChildRules(link =>
        {
            link.RuleFor(l => l.Kind).NotEmpty().OneOf(Vocabulary.SessionLinkKinds);
            link.RuleFor(l => l.Url).MustBeHttpUrl();
            link.RuleFor(l => l.Title).OptionalText();
        });
        RuleFor(s => s.Speakers)
            .Must(l => l is null || l.Select(x => x?.ActorId).Distinct().Count() == l.Count).WithMessage("Each actor may speak once in a session.");
        RuleForEach(s => s.Speakers).NotNull().ChildRules(speaker =>
        {
            speaker.RuleFor(x => x.ActorId).NotEmpty();
            speaker.RuleFor(x => x.Role).OptionalText();
        });
        this.IdList(s => s.SourceIds);
    }

    public Task<ValidationProblem?> CheckReferencesAsync(SessionRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        References.CheckAsync(context, db, ct,
        [
            References.Field.One("territoryId", TerritoriesApi.Collection.Name, request.TerritoryId),
            References.Field.One("partnerActorId", ActorsApi.Collection.Name, request.PartnerActorId),
            new References.Field("sourceIds", SourcesApi.Collection.Name, request.SourceIds),
            .. (request.Speakers ?? []).Select((s, i) => References.Field.One($"speakers[{i}].actorId", ActorsApi.Collection.Name, s.ActorId)),
        ]);
}
