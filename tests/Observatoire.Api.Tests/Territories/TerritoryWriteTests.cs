using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Observatoire.Api.Tests.Territories;

public sealed class TerritoryWriteTests
{
    private readonly HttpClient _writer = TestApi.Writer();
    private readonly HttpClient _anonymous = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose()
    {
        _writer.Dispose();
        _anonymous.Dispose();
    }

    [Test]
    public async Task Creating_a_territory_answers_201_with_its_location_and_it_reads_back()
    {
        var code = TerritoryRequests.FreshCode2023();
        var response = await _writer.PostJson("/v1/territories", TerritoryRequests.Valid(code, "Belfort essai"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var created = await response.JsonBody();
        var id = TerritoryRequests.IdOf(code);
        Assert.Multiple(() =>
        {
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/v1/territories/{id}"));
            Assert.That((string?)created["id"], Is.EqualTo(id));
            Assert.That((string?)created["name"], Is.EqualTo("Belfort essai"));
            Assert.That((int?)created["communeCount"], Is.EqualTo(2));
            Assert.That((long?)created["version"], Is.EqualTo(1));
            Assert.That((string?)created["regions"]![0]!["name"], Is.EqualTo("Bourgogne-Franche-Comté"));
            // Belfort is in Nord Franche-Comté in 2018-2022: the new territory links back to it.
            Assert.That(created["predecessors"]!.AsArray().Select(p => (string?)p!["id"]), Does.Contain("2018-ti2707"));
        });

        var read = await (await _anonymous.GetAsync($"/v1/territories/{id}")).JsonBody();
        Assert.That(read.ToJsonString(), Is.EqualTo(created.ToJsonString()));
    }

    [Test]
    public async Task A_write_without_an_api_key_is_a_401_problem_and_writes_nothing()
    {
        var code = TerritoryRequests.FreshCode2023();
        var response = await _anonymous.PostJson("/v1/territories", TerritoryRequests.Valid(code));
        var body = await response.ShouldBeProblem(401);
        Assert.Multiple(() =>
        {
            Assert.That((string?)body["detail"], Does.Contain("X-Api-Key"));
            Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.Contain("ApiKey"));
        });
        await (await _anonymous.GetAsync($"/v1/territories/{TerritoryRequests.IdOf(code)}")).ShouldBeProblem(404);
    }

    [Test]
    public async Task A_write_with_a_wrong_api_key_is_a_401_problem()
    {
        using var client = TestApi.Anonymous();
        client.DefaultRequestHeaders.Add("X-Api-Key", "not-the-key");
        var put = await client.PutJson("/v1/territories/2018-ti2707", TerritoryRequests.Valid("TI2707"));
        var body = await put.ShouldBeProblem(401);
        Assert.That((string?)body["detail"], Is.EqualTo("The API key is not valid."));
        var delete = await client.DeleteAsync("/v1/territories/2018-ti2707");
        await delete.ShouldBeProblem(401);
        Assert.That((await _anonymous.GetAsync("/v1/territories/2018-ti2707")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task An_empty_body_names_every_missing_field()
    {
        var response = await _writer.PostAsync("/v1/territories", HttpAssertions.RawJson("{}"));
        await response.ShouldBeValidationProblem("phase", "code", "name", "regionCodes", "departmentCodes");
    }

    [TestCase("2018-2022", "ti-9001", "code")]
    [TestCase("2023-2027", "TI9001", "code")]
    [TestCase("2040-2044", "TI9001", "phase")]
    public async Task A_code_that_does_not_fit_its_phase_is_refused(string phase, string code, string field)
    {
        var request = TerritoryRequests.Valid(code);
        request["phase"] = phase;
        var response = await _writer.PostJson("/v1/territories", request);
        await response.ShouldBeValidationProblem(field);
    }

    [Test]
    public async Task Invalid_nested_members_are_named_by_their_json_path()
    {
        var request = TerritoryRequests.Valid(TerritoryRequests.FreshCode2023());
        request["communes"] = new[] { new { inseeCode = "9001", name = "" } };
        request["groupings"] = new[] { new { siren = "12", name = "X", kind = "CA" } };
        request["point"] = new { latitude = 123.0, longitude = 6.0 };
        request["departmentCodes"] = new[] { "999" };
        var response = await _writer.PostJson("/v1/territories", request);
        await response.ShouldBeValidationProblem("communes[0].inseeCode", "communes[0].name", "groupings[0].siren", "point.latitude", "departmentCodes[0]");
    }

    [Test]
    public async Task An_unknown_region_code_is_refused()
    {
        var request = TerritoryRequests.Valid(TerritoryRequests.FreshCode2023());
        request["regionCodes"] = new[] { "99" };
        var body = await (await _writer.PostJson("/v1/territories", request)).ShouldBeValidationProblem("regionCodes");
        Assert.That(body["errors"]!["regionCodes"]![0]!.ToString(), Does.Contain("99"));
    }

    [Test]
    public async Task A_value_of_the_wrong_type_is_named_with_the_expected_type()
    {
        var response = await _writer.PostAsync("/v1/territories", HttpAssertions.RawJson("{\"phase\": \"2023-2027\", \"studied\": \"yes\"}"));
        var body = await response.ShouldBeValidationProblem("studied");
        Assert.That(body["errors"]!["studied"]![0]!.ToString(), Does.Contain("true or false"));
    }

    [Test]
    public async Task An_unknown_field_is_refused_rather_than_ignored()
    {
        var response = await _writer.PostAsync("/v1/territories", HttpAssertions.RawJson("{\"phase\": \"2023-2027\", \"colour\": \"blue\"}"));
        await response.ShouldBeProblem(400);
    }

    [Test]
    public async Task A_body_that_is_not_json_is_a_415_problem()
    {
        var response = await _writer.PostAsync("/v1/territories", HttpAssertions.RawJson("phase=2023-2027", "text/plain"));
        await response.ShouldBeProblem(415);
    }

    [Test]
    public async Task A_missing_body_is_a_400_problem()
    {
        var response = await _writer.PostAsync("/v1/territories", HttpAssertions.RawJson(""));
        await response.ShouldBeProblem(400);
    }

    [Test]
    public async Task Replacing_a_territory_replaces_its_members_and_increments_its_version()
    {
        var code = TerritoryRequests.FreshCode2023();
        var id = TerritoryRequests.IdOf(code);
        (await _writer.PostJson("/v1/territories", TerritoryRequests.Valid(code))).EnsureSuccessStatusCode();

        var replacement = TerritoryRequests.Valid(code, "Nouveau nom");
        replacement["communes"] = new[] { new { inseeCode = "44184", name = "Saint-Nazaire" } };
        replacement["groupings"] = Array.Empty<object>();
        replacement["point"] = null;
        var response = await _writer.PutJson($"/v1/territories/{id}", replacement);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var body = await response.JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That((string?)body["name"], Is.EqualTo("Nouveau nom"));
            Assert.That((long?)body["version"], Is.EqualTo(2));
            Assert.That((int?)body["communeCount"], Is.EqualTo(1));
            Assert.That(body["groupings"]!.AsArray(), Is.Empty);
            Assert.That(body["point"], Is.Null);
            Assert.That(body["predecessors"]!.AsArray().Select(p => (string?)p!["id"]), Is.EqualTo(new[] { "2018-ti5209" }));
        });
        var communes = await (await _anonymous.GetAsync($"/v1/territories/{id}/communes")).JsonBody();
        Assert.That(communes["items"]!.AsArray().Select(c => (string?)c!["inseeCode"]), Is.EqualTo(new[] { "44184" }));
    }

    [Test]
    public async Task Replacing_cannot_change_the_phase_or_code_that_identify_a_territory()
    {
        var code = TerritoryRequests.FreshCode2023();
        (await _writer.PostJson("/v1/territories", TerritoryRequests.Valid(code))).EnsureSuccessStatusCode();
        var response = await _writer.PutJson($"/v1/territories/{TerritoryRequests.IdOf(code)}", TerritoryRequests.Valid("ti-9999"));
        var body = await response.ShouldBeValidationProblem("code");
        Assert.That(body["errors"]!["code"]![0]!.ToString(), Does.Contain("cannot change"));
    }

    [Test]
    public async Task Changing_a_territorys_communes_moves_the_version_of_the_territories_it_links_to()
    {
        // A 2023-2027 territory of this test's own with a commune of Lacq-Pau-Tarbes (TI7505) only.
        var code = TerritoryRequests.FreshCode2023();
        var id = TerritoryRequests.IdOf(code);
        var request = TerritoryRequests.Valid(code);
        request["communes"] = new[] { new { inseeCode = "64445", name = "Pau" } };
        request["regionCodes"] = new[] { "75" };
        request["departmentCodes"] = new[] { "64" };
        (await _writer.PostJson("/v1/territories", request)).EnsureSuccessStatusCode();
        var linked = await (await _anonymous.GetAsync("/v1/territories/2018-ti7505")).JsonBody();
        Assert.That(linked["successors"]!.AsArray().Select(s => (string?)s!["id"]), Does.Contain(id));

        request["communes"] = new[] { new { inseeCode = "90010", name = "Belfort" } };
        (await _writer.PutJson($"/v1/territories/{id}", request)).EnsureSuccessStatusCode();
        var after = await (await _anonymous.GetAsync("/v1/territories/2018-ti7505")).JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That(after["successors"]!.AsArray().Select(s => (string?)s!["id"]), Does.Not.Contain(id));
            Assert.That((long)after["version"]!, Is.GreaterThan((long)linked["version"]!));
        });

        var nordFrancheComte = await (await _anonymous.GetAsync("/v1/territories/2018-ti2707")).JsonBody();
        (await _writer.DeleteAsync($"/v1/territories/{id}")).EnsureSuccessStatusCode();
        var afterDelete = await (await _anonymous.GetAsync("/v1/territories/2018-ti2707")).JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That(afterDelete["successors"]!.AsArray().Select(s => (string?)s!["id"]), Does.Not.Contain(id));
            Assert.That((long)afterDelete["version"]!, Is.GreaterThan((long)nordFrancheComte["version"]!));
        });
    }
}
