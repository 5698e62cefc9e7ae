using System.Reflection;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// A request validator whose request refers to other records: once the request is valid on its own, what it
/// refers to is checked against the database (400 naming each field with its unknown ids).
/// </summary>
public interface IReferenceCheck<in T>
{
    Task<ValidationProblem?> CheckReferencesAsync(T request, HttpContext context, NpgsqlDataSource db, CancellationToken ct);
}

/// <summary>
/// Validation of request bodies, written once: every endpoint of the group whose handler takes a body with a
/// registered <see cref="IValidator{T}"/> gets its strings and lists checked (<see cref="InputText.CheckBody"/>) and it validated before the handler runs, then its references
/// checked when the validator also is an <see cref="IReferenceCheck{T}"/>. Handlers see valid requests only.
/// </summary>
public static class RequestValidation
{
    private static readonly MethodInfo ValidateMethod =
        typeof(RequestValidation).GetMethod(nameof(ValidateAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>Added after the query check, so that an unknown query parameter is reported before the body.</summary>
    public static TBuilder ValidateRequests<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilterFactory((factory, next) =>
        {
            var services = factory.ApplicationServices.GetRequiredService<IServiceProviderIsService>();
            var body = factory.MethodInfo.GetParameters()
                .FirstOrDefault(p => services.IsService(typeof(IValidator<>).MakeGenericType(p.ParameterType)));
            if (body is null) return next;
            var validate = ValidateMethod.MakeGenericMethod(body.ParameterType)
                .CreateDelegate<Func<EndpointFilterInvocationContext, int, EndpointFilterDelegate, ValueTask<object?>>>();
            return context => validate(context, body.Position, next);
        });
        return builder;
    }

    private static async ValueTask<object?> ValidateAsync<T>(EndpointFilterInvocationContext context, int index, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var request = context.GetArgument<T>(index);
        var validator = http.RequestServices.GetRequiredService<IValidator<T>>();
        // The contract's lengths and the characters of every string, then the collection's own rules; both reported at once.
        var errors = request is null ? [] : InputText.CheckBody(request);
        var result = await validator.ValidateAsync(request, http.RequestAborted);
        foreach (var (field, messages) in result.ToDictionary()) errors.TryAdd(field, messages);
        if (errors.Count > 0) return Problems.Validation(http, errors);
        if (validator is IReferenceCheck<T> references &&
            await references.CheckReferencesAsync(request, http, http.RequestServices.GetRequiredService<NpgsqlDataSource>(), http.RequestAborted) is { } unknown)
        {
            return unknown;
        }
        return await next(context);
    }
}
