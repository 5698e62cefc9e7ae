using System.Text.Json;

namespace Observatoire.Contracts;

/// <summary>Territories as an RFC 7946 GeoJSON FeatureCollection (WGS 84, longitude first), for Leaflet or MapLibre.</summary>
/// <param name="Type">Always "FeatureCollection".</param>
/// <param name="Features">One feature per territory.</param>
public sealed record TerritoryFeatureCollection(string Type, IReadOnlyList<TerritoryFeature> Features);

/// <summary>A territory as a GeoJSON feature.</summary>
/// <param name="Type">Always "Feature".</param>
/// <param name="Id">The territory's id.</param>
/// <param name="Geometry">Its perimeter (Polygon or MultiPolygon), or its representative point with geometry=point; null when unknown.</param>
/// <param name="Properties">The territory as listed in JSON.</param>
public sealed record TerritoryFeature(string Type, string Id, GeoJsonGeometry? Geometry, TerritorySummary Properties);

/// <summary>A GeoJSON geometry.</summary>
/// <param name="Type">Point, Polygon or MultiPolygon.</param>
/// <param name="Coordinates">Positions as [longitude, latitude], nested as the type requires.</param>
public sealed record GeoJsonGeometry(string Type, JsonElement Coordinates);
