namespace Observatoire.Contracts;

/// <summary>The state of the service.</summary>
/// <param name="Status">"healthy" when the check passed.</param>
public sealed record HealthResponse(string Status);
