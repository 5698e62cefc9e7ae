using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Observatoire.Api.Infrastructure;

// Read-your-writes in the document: the version a write answers, and the header a read may carry.
public sealed partial class ReadReplicas
{
    /// <summary>Endpoint metadata: a write whose 2xx answers carry <see cref="MinVersionHeader"/>.</summary>
    public sealed class AnswersVersion
    {
        public static readonly AnswersVersion Instance = new();
    }

    internal sealed class OperationFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<AnswersVersion>().Any())
            {
                foreach (var (status, response) in operation.Responses ?? [])
                {
                    if (!status.StartsWith('2') || response is not OpenApiResponse answer) continue;
                    answer.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    answer.Headers[MinVersionHeader] = new OpenApiHeader
                    {
                        Description = "The data version this write committed. Send it as Observatoire-Min-Version on the next reads, through any replica, to read this write.",
                        Schema = VersionSchema(),
                    };
                }
            }
            else if (context.ApiDescription.HttpMethod == "GET" && !metadata.OfType<ReadReplicaSetup.PrimaryReads>().Any())
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = MinVersionHeader,
                    In = ParameterLocation.Header,
                    Required = false,
                    Description = "Read-your-writes: the Observatoire-Min-Version of an earlier write. The answer is then read from a server that has at least that data version " +
                                  "(a standby that has replayed it, else the primary). Not a data version: 400.",
                    Schema = VersionSchema(),
                    Example = System.Text.Json.Nodes.JsonValue.Create(4711),
                });
            }
        }

        private static OpenApiSchema VersionSchema() => new() { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "0" };
    }
}
