using System.Net;
using Observatoire.Api.Tests.Territories;

namespace Observatoire.Api.Tests.Caching;

/// <summary>
/// A write invalidates the answers of other records that embed or link what it changed, not only its own: each read
/// is first served from memory, then the write, then the read again from another client.
/// </summary>
public sealed class EmbeddedDataTests
{
    private readonly HttpClient _reader = TestApi.Anonymous();
    private readonly HttpClient _writer = TestApi.Writer();

    [OneTimeTearDown]
    public void Dispose()
    {
        _reader.Dispose();
        _writer.Dispose();
    }

    private async Task<string> ReadTwice(string url)
    {
        var first = await _reader.GetStringAsync(url);
        Assert.That(await _reader.GetStringAsync(url), Is.EqualTo(first));
        return first;
    }

    [Test]
    public async Task Renaming_a_territory_changes_its_name_where_a_resource_embeds_it()
    {
        var territory = await Records.NewTerritory();
        var resource = await Records.CreateId("resources", Records.Resource(territory));
        Assert.That(await ReadTwice($"/v1/resources/{resource}"), Does.Not.Contain("Territoire renommé"));
        Assert.That(await ReadTwice($"/v1/resources?territory={territory}"), Does.Not.Contain("Territoire renommé"));

        var code = territory["2023-".Length..];
        (await _writer.PutJson($"/v1/territories/{territory}", TerritoryRequests.Valid(code, "Territoire renommé"))).EnsureSuccessStatusCode();

        var item = await (await _reader.GetAsync($"/v1/resources/{resource}")).JsonBody();
        Assert.That((string?)item["territory"]!["name"], Is.EqualTo("Territoire renommé"));
    }

    [Test]
    public async Task Replacing_a_sessions_speakers_changes_the_sessions_listed_under_the_actor()
    {
        var actor = await Records.NewOrganisation();
        var body = Records.Session(Records.FreshNumber(), speakers: [new { actorId = actor, role = "intervenant" }]);
        var session = await Records.CreateId("sessions", body);
        var url = $"/v1/actors/{actor}/sessions";
        Assert.That(await ReadTwice(url), Does.Contain(session));

        body["id"] = session;
        body["speakers"] = Array.Empty<object>();
        var replaced = await _writer.PutJson($"/v1/sessions/{session}", body);
        Assert.That(replaced.StatusCode, Is.EqualTo(HttpStatusCode.OK), await replaced.Content.ReadAsStringAsync());

        Assert.That(await _reader.GetStringAsync(url), Does.Not.Contain(session), "the link is gone from the actor's sessions");
    }

    [Test]
    public async Task Linking_an_actor_to_a_territory_lists_it_under_the_territory()
    {
        var territory = await Records.NewTerritory();
        var url = $"/v1/territories/{territory}/actors";
        await ReadTwice(url);
        var actor = await Records.NewOrganisation([territory]);
        Assert.That(await _reader.GetStringAsync(url), Does.Contain(actor));
    }
}
