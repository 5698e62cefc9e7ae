using System.Text.Json;
using FluentValidation;
using FluentValidation.Internal;
using FluentValidation.Validators;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Writes the FluentValidation rules of request types into their schemas (required, maxLength, pattern,
/// minimum/maximum, enum), so that the document states exactly what the validators enforce.
/// </summary>
public sealed class ValidationSchemaFilter(IServiceProvider services) : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema { Properties: { } properties } target) return;
        using var scope = services.CreateScope();
        if (scope.ServiceProvider.GetService(typeof(IValidator<>).MakeGenericType(context.Type)) is not IValidator validator) return;

        var descriptor = validator.CreateDescriptor();
        foreach (var member in descriptor.GetMembersWithValidators().Select(g => g.Key).Distinct())
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(member);
            if (!properties.TryGetValue(name, out var property) || property is not OpenApiSchema propertySchema) continue;
            foreach (var rule in descriptor.GetRulesForMember(member))
            {
                var isCollectionRule = rule.GetType().GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICollectionRule<,>));
                var applyTo = isCollectionRule ? propertySchema.Items as OpenApiSchema : propertySchema;
                if (applyTo is null) continue;
                foreach (var component in rule.Components)
                {
                    Describe(component, applyTo, required: () =>
                    {
                        if (isCollectionRule || component.HasCondition) return;
                        target.Required ??= new HashSet<string>();
                        target.Required.Add(name);
                        if (applyTo.Type is { } type && type.HasFlag(JsonSchemaType.Null)) applyTo.Type = type & ~JsonSchemaType.Null;
                    });
                }
            }
        }
    }

    private static void Describe(IRuleComponent component, OpenApiSchema schema, Action required)
    {
        switch (component.Validator)
        {
            case INotNullValidator:
                required();
                break;
            case INotEmptyValidator:
                required();
                if (IsString(schema)) schema.MinLength = Math.Max(schema.MinLength ?? 0, 1);
                if (IsArray(schema)) schema.MinItems = Math.Max(schema.MinItems ?? 0, 1);
                break;
            case ILengthValidator length:
                if (length.Max > 0) schema.MaxLength = length.Max;
                if (length.Min > 0) schema.MinLength = length.Min;
                break;
            case IRegularExpressionValidator regex when !component.HasCondition:
                schema.Pattern = regex.Expression;
                break;
            case IBetweenValidator between:
                schema.Minimum = Convert.ToString(between.From, System.Globalization.CultureInfo.InvariantCulture);
                schema.Maximum = Convert.ToString(between.To, System.Globalization.CultureInfo.InvariantCulture);
                break;
            case IComparisonValidator { Comparison: Comparison.GreaterThanOrEqual, ValueToCompare: { } min }:
                schema.Minimum = Convert.ToString(min, System.Globalization.CultureInfo.InvariantCulture);
                break;
            case IComparisonValidator { Comparison: Comparison.LessThanOrEqual, ValueToCompare: { } max }:
                schema.Maximum = Convert.ToString(max, System.Globalization.CultureInfo.InvariantCulture);
                break;
            case IOneOfValidator oneOf:
                ContractSchemas.Enum(schema, oneOf.Values);
                break;
        }
    }

    private static bool IsString(OpenApiSchema schema) => schema.Type is { } t && t.HasFlag(JsonSchemaType.String);

    private static bool IsArray(OpenApiSchema schema) => schema.Type is { } t && t.HasFlag(JsonSchemaType.Array);
}

/// <summary>A rule whose allowed values the OpenAPI document lists as an enum.</summary>
public interface IOneOfValidator
{
    IReadOnlyList<string> Values { get; }
}

public sealed class OneOfValidator<T>(IReadOnlyList<string> values) : PropertyValidator<T, string?>, IOneOfValidator
{
    public IReadOnlyList<string> Values { get; } = values;

    public override string Name => "OneOfValidator";

    public override bool IsValid(ValidationContext<T> context, string? value) => value is null || Values.Contains(value);

    protected override string GetDefaultMessageTemplate(string errorCode) => $"'{{PropertyName}}' must be one of: {string.Join(", ", Values)}.";
}
