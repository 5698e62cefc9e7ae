using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.OpenApi;
using Observatoire.Contracts;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Makes the schemas say exactly what the serialiser does, so that generated clients need no hand-written fixes.
/// </summary>
public static class ContractSchemas
{
    /// <summary>
    /// Required and nullable, from the records themselves. Nulls are written (JsonIgnoreCondition.Never), so a
    /// member is always present unless it is left out when null ([JsonIgnore(WhenWritingNull)]); such a member is
    /// never null when present. A constructor parameter with a default value is optional in a request body; one
    /// without is required there too (RespectRequiredConstructorParameters). So a member is required unless it
    /// is left out when null or has a default; request fields the validators require are added by
    /// <see cref="ValidationSchemaFilter"/>.
    /// </summary>
    public sealed class RequiredMembersFilter : ISchemaFilter
    {
        public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
        {
            if (schema is not OpenApiSchema { Properties: { Count: > 0 } properties } target || !IsOurs(context.Type)) return;
            var constructor = context.Type.GetConstructors().MaxBy(c => c.GetParameters().Length);
            foreach (var property in context.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (!properties.TryGetValue(JsonName(property), out var member) || member is not OpenApiSchema memberSchema) continue;
                var ignore = property.GetCustomAttribute<JsonIgnoreAttribute>()?.Condition;
                if (ignore is JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault)
                {
                    NeverNull(memberSchema);
                    continue;
                }
                var parameter = constructor?.GetParameters().FirstOrDefault(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase));
                if (parameter is { HasDefaultValue: true }) continue;
                target.Required ??= new HashSet<string>();
                target.Required.Add(JsonName(property));
            }
        }

        // Records of the contract and of the API; framework types keep their own rules (ProblemDetails below).
        private static bool IsOurs(Type type) =>
            type.Assembly == typeof(Page<>).Assembly || type.Assembly == typeof(ContractSchemas).Assembly ||
            typeof(Microsoft.AspNetCore.Mvc.ProblemDetails).IsAssignableFrom(type);

        private static void NeverNull(OpenApiSchema schema)
        {
            if (schema.Type is { } type && type.HasFlag(JsonSchemaType.Null)) schema.Type = type & ~JsonSchemaType.Null;
            if (schema.OneOf is { Count: 2 } oneOf && oneOf.SingleOrDefault(s => s is OpenApiSchema { Type: JsonSchemaType.Null }) is { } nullSchema)
            {
                schema.AllOf = [oneOf.Single(s => s != nullSchema)];
                schema.OneOf = null;
            }
        }
    }

    /// <summary>[OneOf], [CollectionName], [ScopeName] and [Code] on a member of a record: its enum or its pattern (on each element of a list).</summary>
    public sealed class ValuesSchemaFilter(CollectionRegistry collections) : ISchemaFilter
    {
        public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
        {
            if (schema is not OpenApiSchema { Properties: { } properties }) return;
            foreach (var property in context.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (!properties.TryGetValue(JsonName(property), out var member) || member is not OpenApiSchema memberSchema) continue;
                var target = memberSchema.Type is { } type && type.HasFlag(JsonSchemaType.Array) ? memberSchema.Items as OpenApiSchema : memberSchema;
                if (target is null) continue;
                Describe(target, property.GetCustomAttribute<OneOfAttribute>(), property.GetCustomAttribute<CodeAttribute>());
                // [MaxLength] itself is Swashbuckle's (maxLength, or maxItems on a list); the items' length is ours.
                if (property.GetCustomAttribute<ItemMaxLengthAttribute>() is { } item && target != memberSchema) target.MaxLength = item.Length;
                // The collections are the API's registered ones, not a list of the contract.
                if (property.GetCustomAttribute<CollectionNameAttribute>() is not null) Enum(target, collections.Names);
                if (property.GetCustomAttribute<ScopeNameAttribute>() is not null) Enum(target, Scopes.All(collections));
            }
        }
    }

    /// <summary>[OneOf] and [Code] on a handler's query parameter: its enum or its pattern; [MaxLength]: its maxLength.</summary>
    public sealed class ValuesParameterFilter : IParameterFilter
    {
        public void Apply(IOpenApiParameter parameter, ParameterFilterContext context)
        {
            if (parameter is not OpenApiParameter { Schema: OpenApiSchema schema }) return;
            if (context.ParameterInfo is { } info) Describe(schema, info.GetCustomAttribute<OneOfAttribute>(), info.GetCustomAttribute<CodeAttribute>());
            var maxLength = context.ParameterInfo?.GetCustomAttribute<System.ComponentModel.DataAnnotations.MaxLengthAttribute>()
                            ?? context.PropertyInfo?.GetCustomAttribute<System.ComponentModel.DataAnnotations.MaxLengthAttribute>();
            if (maxLength is not null) schema.MaxLength = maxLength.Length;
        }
    }

    private static void Describe(OpenApiSchema schema, OneOfAttribute? oneOf, CodeAttribute? code)
    {
        if (oneOf is not null) Enum(schema, oneOf.Values);
        if (code is not null) schema.Pattern = code.Pattern;
    }

    /// <summary>The values of a closed list as the schema's enum; a nullable member lists null too, or no null would validate.</summary>
    public static void Enum(OpenApiSchema schema, IEnumerable<string> values)
    {
        IEnumerable<JsonNode?> nodes = values.Select(v => (JsonNode?)JsonValue.Create(v));
        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.Null)) nodes = nodes.Append(null);
        schema.Enum = [.. nodes!];
    }

    private static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
}
