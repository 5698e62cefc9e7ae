using System.Text.Json.Nodes;
using Observatoire.Contracts;

namespace Observatoire.Api.Changes;

/// <summary>Examples for the OpenAPI document.</summary>
public static class ChangesExamples
{
    private static readonly string Token = new FeedPosition("1187", 52408).Example();

    public static readonly ChangesPage Page = new(
        [
            new ChangeEntry("territories", "2023-ti-0102", "created", 1, new DateTime(2026, 11, 26, 9, 0, 0, DateTimeKind.Utc), "/v1/territories/2023-ti-0102"),
            new ChangeEntry("territories", "2018-ti2707", "updated", 3, new DateTime(2026, 11, 27, 14, 12, 5, DateTimeKind.Utc), "/v1/territories/2018-ti2707"),
            new ChangeEntry("territories", "2023-ti-9001", "deleted", null, new DateTime(2026, 11, 27, 14, 30, 41, DateTimeKind.Utc), null),
        ],
        new ChangesLinks($"/v1/changes?limit=3&since={Token}"),
        CaughtUp: false,
        Lag: new ChangesLag(false, 0, null, null, null));

    public static readonly JsonObject InvalidSinceProblem = new()
    {
        ["type"] = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        ["title"] = "One or more fields are invalid.",
        ["status"] = 400,
        ["instance"] = "/v1/changes",
        ["errors"] = new JsonObject { ["since"] = new JsonArray(ChangesApi.InvalidSince) },
        ["traceId"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
    };
}
