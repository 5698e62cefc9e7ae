using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// The conventions of a collection's writes, applied once to its route group: every POST takes an
/// Idempotency-Key (<see cref="Idempotency"/>); PUT and DELETE honour If-Match, checked by <see cref="Writes{TResponse}"/>
/// under the record's row lock. The document describes both, and the ETag that writes answer.
/// </summary>
public static class WriteSafety
{
    /// <summary>Endpoint metadata: the operation is a create that takes an Idempotency-Key.</summary>
    public sealed class IdempotentCreate;

    /// <summary>Endpoint metadata: the operation is a replace or a delete that honours If-Match.</summary>
    public sealed class ConditionalWrite;

    /// <summary>Added after request validation, so that an invalid body is a 400 whatever its key.</summary>
    public static TBuilder WithSafeWrites<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            var methods = endpoint.Metadata.OfType<IHttpMethodMetadata>().SelectMany(m => m.HttpMethods).ToList();
            if (methods.Contains(HttpMethods.Post))
            {
                endpoint.Metadata.Add(new IdempotentCreate());
                endpoint.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status422UnprocessableEntity, typeof(ProblemDetails), [OpenApi.ProblemContentType]));
                endpoint.FilterFactories.Add((_, next) => invocation => Idempotency.FilterAsync(invocation, next));
            }
            else if (methods.Contains(HttpMethods.Put) || methods.Contains(HttpMethods.Delete))
            {
                endpoint.Metadata.Add(new ConditionalWrite());
            }
        });
        return builder;
    }

    /// <summary>The headers of safe writes in the document: If-Match, Idempotency-Key, ETag, Idempotent-Replayed.</summary>
    public sealed class OperationFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
            var create = metadata.OfType<IdempotentCreate>().Any();
            var conditional = metadata.OfType<ConditionalWrite>().Any();
            if (!create && !conditional) return;
            operation.Parameters ??= [];
            operation.Responses ??= [];
            if (create)
            {
                operation.Parameters.Add(Header(Idempotency.HeaderName,
                    "Makes the create safe to retry (IETF httpapi Idempotency-Key draft): a unique string chosen by the client, at most 255 visible characters, e.g. a UUID. " +
                    "The same key with the same body within 24 hours answers the first answer again (status, Location, body) with Idempotent-Replayed: true, creating nothing; " +
                    "with another body, 422; while the first request is still running, 409. Keys belong to the API key that sent them.",
                    "\"8e03978e-40d5-43e8-bc93-6894a57f9324\""));
                Describe(operation, "201", ResponseETag, (Idempotency.ReplayedHeader, "true when this is the replayed answer of an earlier request with the same Idempotency-Key."));
                if (operation.Responses.TryGetValue("409", out var conflict) && conflict is OpenApiResponse busy)
                {
                    busy.Description = "The record's id (or another of its unique values) is taken, or a request with the same Idempotency-Key is still running (retry later to get its answer).";
                }
                if (operation.Responses.TryGetValue("422", out var unprocessable) && unprocessable is OpenApiResponse refused)
                {
                    refused.Description = "The Idempotency-Key was already used with another request body.";
                }
            }
            if (conditional)
            {
                operation.Parameters.Add(Header("If-Match",
                    "Recommended: the ETag of the record as last read (GET answers it, and so does every write). The write happens only if the record still has it; " +
                    "otherwise 412 with the current ETag. * means \"if the record exists\". Without If-Match the write happens whatever the record's state (a concurrent change may be overwritten).",
                    "\"0d4fb5c1e1a9f3c2d1b4a6e8f0c2d4e6\""));
                Describe(operation, "200", ResponseETag);
                if (operation.Responses.TryGetValue("412", out var stale) && stale is OpenApiResponse precondition)
                {
                    precondition.Description = "If-Match does not hold: the record has changed since (its current ETag is in the ETag header), or it does not exist.";
                    precondition.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    precondition.Headers["ETag"] = new OpenApiHeader { Description = "The record's current ETag, when it exists.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
                }
            }
        }

        private static readonly (string, string) ResponseETag = ("ETag", "The record's new strong ETag: the one its GET answers, to send in If-Match with the next write.");

        private static void Describe(OpenApiOperation operation, string status, (string Name, string Description)? first, params (string Name, string Description)[] more)
        {
            if (!operation.Responses!.TryGetValue(status, out var found) || found is not OpenApiResponse response) return;
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            foreach (var (name, description) in (first is { } f ? [f] : Array.Empty<(string, string)>()).Concat(more))
            {
                response.Headers[name] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
            }
        }

        private static OpenApiParameter Header(string name, string description, string example) => new()
        {
            Name = name,
            In = ParameterLocation.Header,
            Required = false,
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            Example = System.Text.Json.Nodes.JsonValue.Create(example),
        };
    }
}
