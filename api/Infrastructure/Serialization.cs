using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;

namespace Observatoire.Api.Infrastructure;

public static class Serialization
{
    public static IServiceCollection AddObservatoireJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options =>
        {
            // A body that omits a required member or sends null where the contract forbids it is refused
            // at binding, with the member's path, instead of reaching the handler half-filled.
            options.SerializerOptions.RespectNullableAnnotations = true;
            options.SerializerOptions.RespectRequiredConstructorParameters = true;
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            options.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
            // No body of the contract nests deeper than a few levels; a deeper one is refused (400) before it costs more.
            options.SerializerOptions.MaxDepth = 32;
        });

    /// <summary>FluentValidation reports fields by their JSON names ("point.latitude", "communes[0].inseeCode").</summary>
    public static IServiceCollection AddObservatoireValidation(this IServiceCollection services)
    {
        ValidatorOptions.Global.PropertyNameResolver = (_, member, _) =>
            member is null ? null : JsonNamingPolicy.CamelCase.ConvertName(member.Name);
        ValidatorOptions.Global.DisplayNameResolver = (_, member, _) =>
            member is null ? null : JsonNamingPolicy.CamelCase.ConvertName(member.Name);
        ValidatorOptions.Global.LanguageManager.Enabled = false;
        // A rule stops at its first failure, so later checks of the same field never see a null it already reported.
        ValidatorOptions.Global.DefaultRuleLevelCascadeMode = CascadeMode.Stop;
        services.AddValidatorsFromAssemblyContaining<Program>(includeInternalTypes: true);
        return services;
    }
}
