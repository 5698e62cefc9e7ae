using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Territories;

/// <summary>
/// Territories as an RFC 7946 FeatureCollection, streamed: each perimeter is written as stored (GeoJSON text
/// in the database), or the representative point with geometry=point.
/// </summary>
public sealed class TerritoryGeoJsonResult(NpgsqlDataSource db, bool points,
    Func<NpgsqlConnection, CancellationToken, IAsyncEnumerable<(TerritorySummary Territory, string? Perimeter)>> rows)
    : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public int? StatusCode => StatusCodes.Status200OK;

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(TerritoryFeatureCollection), [Exports.GeoJsonMediaType]));

    public Task ExecuteAsync(HttpContext context) => ExportSpool.SendAsync(context, db, response =>
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = Exports.GeoJsonMediaType;
    }, (connection, body, ct) => WriteAsync(context, connection, body, ct));

    private async Task WriteAsync(HttpContext context, NpgsqlConnection connection, Stream body, CancellationToken ct)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        await using var json = new Utf8JsonWriter(body);
        json.WriteStartObject();
        json.WriteString("type", "FeatureCollection");
        json.WriteStartArray("features");
        var count = 0;
        await foreach (var (territory, perimeter) in rows(connection, ct).WithCancellation(ct))
        {
            json.WriteStartObject();
            json.WriteString("type", "Feature");
            json.WriteString("id", territory.Id);
            json.WritePropertyName("geometry");
            if (points && territory.Point is { } point)
            {
                json.WriteStartObject();
                json.WriteString("type", "Point");
                json.WriteStartArray("coordinates");
                json.WriteNumberValue(point.Longitude);
                json.WriteNumberValue(point.Latitude);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            else if (!points && perimeter is not null) json.WriteRawValue(perimeter, skipInputValidation: true);
            else json.WriteNullValue();
            json.WritePropertyName("properties");
            JsonSerializer.Serialize(json, territory, options);
            json.WriteEndObject();
            if (++count % 50 == 0) await json.FlushAsync(ct);
        }
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(ct);
    }
}
