using System.Text.Json.Nodes;
using Observatoire.Api.Changes;
using Observatoire.Contracts;

namespace Observatoire.Api.Dumps;

/// <summary>Examples for the OpenAPI document.</summary>
public static class DumpExamples
{
    private static readonly string Since = new FeedPosition("1186", long.MaxValue).Example();

    /// <summary>A binary file cannot be shown: what it holds, once decompressed.</summary>
    public const string File = "(gzip) {\"id\":\"2018-ti2707\",\"phase\":\"2018-2022\", …}\n{\"id\":\"2018-ti2708\", …}\n";

    public static readonly JsonObject NoSuchFile = new()
    {
        ["type"] = "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        ["title"] = "Not Found",
        ["status"] = 404,
        ["detail"] = "No dump file is named 1187/communes.jsonl.gz: read /v1/dumps/latest for the files of the latest dump.",
        ["instance"] = "/v1/dumps/1187/communes.jsonl.gz",
        ["traceId"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
    };

    public static readonly DumpManifest Manifest = new(1187, new DateTime(2026, 11, 27, 14, 30, 41, DateTimeKind.Utc), new DateTime(2026, 11, 27, 14, 31, 2, DateTimeKind.Utc), Since,
        [
            new DumpFile("territories", 331, 1843200, "5f1c0e9d4b8a7f2e3d6c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e", "/v1/dumps/1187/territories.jsonl.gz"),
            new DumpFile("resources", 412, 61440, "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9", "/v1/dumps/1187/resources.jsonl.gz"),
        ],
        new DumpLinks($"/v1/changes?since={Since}"));
}
