using System.Net;
using System.Text.Json.Nodes;

namespace Observatoire.Api.Tests.Writes;

/// <summary>GET /v1/audit: who may read it, its filters and pages, and the redaction of a deleted person.</summary>
public sealed class AuditTests
{
    private readonly HttpClient _admin = TestApi.Writer();
    private readonly HttpClient _anonymous = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose()
    {
        _admin.Dispose();
        _anonymous.Dispose();
    }

    private async Task<JsonNode> Audit(string query)
    {
        var response = await _admin.GetAsync($"/v1/audit?{query}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True, "never cached");
        Assert.That(response.Headers.ETag, Is.Null);
        return await response.JsonBody();
    }

    [Test]
    public async Task Only_an_admin_key_reads_the_audit_trail()
    {
        await (await _anonymous.GetAsync("/v1/audit")).ShouldBeProblem(401);
        var (secret, _) = await WriteKeys.NewPartnerKeyAsync();
        using var partner = WriteKeys.Client(secret);
        await (await partner.GetAsync("/v1/audit")).ShouldBeProblem(403);
        Assert.That((await _admin.GetAsync("/v1/audit?limit=1")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Entries_are_filtered_by_key_and_time_and_paged_with_a_cursor()
    {
        var (secret, keyId) = await WriteKeys.NewPartnerKeyAsync();
        using var partner = WriteKeys.Client(secret);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var response = await partner.PostJson("/v1/sources", Records.Source());
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            ids.Add((string)(await response.JsonBody())["id"]!);
        }

        var first = await Audit($"key={keyId}&limit=2");
        var items = first["items"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(items.Select(e => (string?)e!["id"]), Is.EqualTo(new[] { ids[2], ids[1] }), "newest first");
            Assert.That(items.All(e => (string?)e!["key"]!["id"] == keyId && ((string?)e["key"]!["name"])!.StartsWith("partner", StringComparison.Ordinal)));
        });
        var next = (string)first["links"]!["next"]!;
        var second = await _admin.GetAsync(next);
        Assert.That((await second.JsonBody())["items"]!.AsArray().Select(e => (string?)e!["id"]), Is.EqualTo(new[] { ids[0] }));

        var since = Uri.EscapeDataString(before.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
        Assert.That((await Audit($"key={keyId}&since={since}"))["items"]!.AsArray(), Has.Count.EqualTo(3));
        Assert.That((await Audit($"key={keyId}&until={since}"))["items"]!.AsArray(), Is.Empty);
        Assert.That((await Audit($"key={keyId}&collection=actors"))["items"]!.AsArray(), Is.Empty);

        await (await _admin.GetAsync("/v1/audit?collection=nothing")).ShouldBeValidationProblem("collection");
        await (await _admin.GetAsync("/v1/audit?since=yesterday")).ShouldBeProblem(400);
        await (await _admin.GetAsync("/v1/audit?unknown=1")).ShouldBeProblem(400);
    }

    [Test]
    public async Task Deleting_a_person_redacts_their_fields_in_every_earlier_entry()
    {
        var name = $"Personne {ListReads.FreshWord()}";
        var person = await Records.CreateId("actors", Records.Person(name));
        var resource = Records.Resource("2018-ti2707", actorIds: [person]);
        var resourceId = await Records.CreateId("resources", resource);
        resource["actorIds"] = Array.Empty<string>();
        Assert.That((await _admin.PutJson($"/v1/resources/{resourceId}", resource)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var replaced = Records.Person(name);
        replaced["role"] = "adjointe";
        Assert.That((await _admin.PutJson($"/v1/actors/{person}", replaced)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var organisation = await Records.NewOrganisation();

        var resourceEntries = (await Audit($"collection=resources&id={resourceId}"))["items"]!.ToJsonString();
        Assert.That(resourceEntries, Does.Contain(name), "the resource's entries show the person before the deletion");
        Assert.That((await _admin.DeleteAsync($"/v1/actors/{person}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var personEntries = (await Audit($"collection=actors&id={person}"))["items"]!.AsArray();
        Assert.That(personEntries.Select(e => (string?)e!["operation"]), Is.EqualTo(new[] { "delete", "replace", "create" }));
        var all = personEntries.ToJsonString() + (await Audit($"collection=resources&id={resourceId}"))["items"]!.ToJsonString();
        Assert.Multiple(() =>
        {
            Assert.That(all, Does.Not.Contain(name));
            Assert.That(all, Does.Not.Contain("adjointe"));
            Assert.That(all, Does.Not.Contain("Ville d'essai"));
            foreach (var entry in personEntries)
            {
                var record = entry!["before"] ?? entry["after"];
                Assert.That((string?)record!["name"], Is.EqualTo("[redacted]"));
                Assert.That((string?)record["type"], Is.EqualTo("person"), "what is not personal stays");
            }
        });
        var untouched = (await Audit($"collection=actors&id={organisation}"))["items"]!.AsArray().Single()!;
        Assert.That((string?)untouched["after"]!["name"], Is.Not.EqualTo("[redacted]"), "an organisation's entries are not redacted");
    }
}
