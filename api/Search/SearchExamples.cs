using System.Text.Json.Nodes;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Search;

/// <summary>Examples for the OpenAPI document: the first hits of a search on the seed data (q=saint nazaire&amp;types=sessions,territories&amp;limit=2).</summary>
public static class SearchExamples
{
    public static readonly Page<SearchHit> Page = new(
        [
            new SearchHit("sessions", "seance-03", "Saint-Nazaire croit en son avenir industriel",
                "<mark>Saint</mark>-<mark>Nazaire</mark> croit en son avenir industriel", 0.99986553f, "/v1/sessions/seance-03"),
            new SearchHit("territories", "2018-ti5209", "Saint-Nazaire - Cordemais",
                "<mark>Saint</mark>-<mark>Nazaire</mark> - Cordemais, TI5209", 0.99986553f, "/v1/territories/2018-ti5209"),
        ],
        new PageLinks($"/v1/search?q=saint%20nazaire&types=sessions,territories&limit=2&cursor={Paging.ExampleCursor("0.99986553", "territories", "2018-ti5209")}"));

    public static readonly JsonObject MissingQueryProblem = new()
    {
        ["type"] = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        ["title"] = "One or more fields are invalid.",
        ["status"] = 400,
        ["instance"] = "/v1/search",
        ["errors"] = new JsonObject { ["q"] = new JsonArray(SearchApi.MissingQuery) },
        ["traceId"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
    };
}
