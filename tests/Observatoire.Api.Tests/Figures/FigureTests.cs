using System.Net;

namespace Observatoire.Api.Tests.Figures;

public sealed class FigureTests
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
    public async Task Creating_a_figure_answers_201_and_the_territory_serves_it_with_its_sources()
    {
        var territory = await Records.NewTerritory();
        var source = await Records.NewSource();
        var request = Records.Figure(territory, [source]);
        var response = await _writer.PostJson("/v1/figures", request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var created = await response.JsonBody();
        var id = (string)request["id"]!;
        Assert.Multiple(() =>
        {
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/v1/figures/{id}"));
            Assert.That((string?)created["territoryId"], Is.EqualTo(territory));
            Assert.That((string?)created["label"], Is.EqualTo("Emplois industriels"));
            Assert.That((string?)created["valueText"], Is.EqualTo("plus de 30 000"));
            Assert.That((decimal?)created["valueNumeric"], Is.EqualTo(30000.5m));
            Assert.That((string?)created["unit"], Is.EqualTo("emplois"));
            Assert.That((string?)created["referenceDate"], Is.EqualTo("2019-06"));
            Assert.That(created["sources"].Ids(), Is.EqualTo(new[] { source }));
            Assert.That((long?)created["version"], Is.EqualTo(1));
        });
        var read = await (await _anonymous.GetAsync($"/v1/figures/{id}")).JsonBody();
        Assert.That(read.ToJsonString(), Is.EqualTo(created.ToJsonString()));

        var territoryItem = await (await _anonymous.GetAsync($"/v1/territories/{territory}")).JsonBody();
        Assert.That(territoryItem["figures"]!.AsArray().Select(f => f!.ToJsonString()), Is.EqualTo(new[] { created.ToJsonString() }));
    }

    [Test]
    public async Task A_figure_without_a_number_keeps_its_value_as_text_only()
    {
        var request = Records.Figure("2018-ti2707");
        request["valueNumeric"] = null;
        request["unit"] = null;
        request["referenceDate"] = null;
        request["valueText"] = "plusieurs centaines";
        var created = await Records.Create("figures", request);
        Assert.Multiple(() =>
        {
            Assert.That(created["valueNumeric"], Is.Null);
            Assert.That(created["unit"], Is.Null);
            Assert.That(created["referenceDate"], Is.Null);
            Assert.That((string?)created["valueText"], Is.EqualTo("plusieurs centaines"));
        });
    }

    [Test]
    public async Task Figures_filter_by_territory_and_page_through_in_id_order()
    {
        var territory = await Records.NewTerritory();
        var ids = new[]
        {
            await Records.CreateId("figures", Records.Figure(territory)),
            await Records.CreateId("figures", Records.Figure(territory)),
            await Records.CreateId("figures", Records.Figure(territory)),
        };
        await Records.CreateId("figures", Records.Figure("2018-ti2707"));

        var filtered = await Records.ReadAll(_anonymous, $"/v1/figures?territory={territory}&limit=2");
        var relation = await Records.ReadAll(_anonymous, $"/v1/territories/{territory}/figures?limit=1");
        Assert.Multiple(() =>
        {
            Assert.That(filtered.Select(f => (string?)f["id"]), Is.EqualTo(ids.Order(StringComparer.Ordinal)));
            Assert.That(relation.Select(f => (string?)f["id"]), Is.EqualTo(ids.Order(StringComparer.Ordinal)));
        });
    }

    [Test]
    public async Task The_whole_collection_pages_through_once_in_id_order_with_sources()
    {
        var items = await Records.ReadAll(_anonymous, "/v1/figures?limit=8");
        var ids = items.Select(f => (string)f["id"]!).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(ids, Is.Unique);
            Assert.That(ids, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
            Assert.That(ids, Does.Contain("nord-franche-comte-emplois-industriels-2019"));
            var seeded = items.Single(f => (string?)f["id"] == "nord-franche-comte-emplois-industriels-2019");
            Assert.That(seeded["sources"].Ids(), Is.EqualTo(new[] { "123dok-liste-seminaires" }));
            Assert.That((string?)seeded["valueText"], Is.EqualTo("plus de 30 000"));
        });
    }

    [TestCase("limit", "1000")]
    [TestCase("cursor", "x")]
    public async Task A_bad_paging_parameter_is_a_problem_naming_it(string parameter, string value)
    {
        await (await _anonymous.GetAsync($"/v1/figures?{parameter}={value}")).ShouldBeValidationProblem(parameter);
        await (await _anonymous.GetAsync($"/v1/territories/2018-ti2707/figures?{parameter}={value}")).ShouldBeValidationProblem(parameter);
    }

    [Test]
    public async Task Unknown_figures_and_their_territories_are_404_problems()
    {
        await (await _anonymous.GetAsync("/v1/figures/no-such-figure")).ShouldBeProblem(404);
        await (await _anonymous.GetAsync("/v1/territories/2018-ti0000/figures")).ShouldBeProblem(404);
    }

    [Test]
    public async Task An_empty_body_names_every_missing_field()
    {
        await (await _writer.PostAsync("/v1/figures", HttpAssertions.RawJson("{}"))).ShouldBeValidationProblem("territoryId", "label", "valueText");
    }

    [TestCase("2019-13")]
    [TestCase("2019-02-30")]
    [TestCase("19")]
    [TestCase("mi-2019")]
    public async Task A_reference_date_that_is_not_a_year_month_or_day_is_refused(string referenceDate)
    {
        var request = Records.Figure("2018-ti2707");
        request["referenceDate"] = referenceDate;
        await (await _writer.PostJson("/v1/figures", request)).ShouldBeValidationProblem("referenceDate");
    }

    [Test]
    public async Task Unknown_referenced_ids_are_named_by_their_field()
    {
        var body = await (await _writer.PostJson("/v1/figures", Records.Figure("2018-ti0000", ["no-such-source"])))
            .ShouldBeValidationProblem("territoryId", "sourceIds");
        Assert.That(body["errors"]!["sourceIds"]![0]!.ToString(), Does.Contain("no-such-source"));
    }

    [Test]
    public async Task Malformed_json_and_wrong_types_are_400_problems()
    {
        await (await _writer.PostAsync("/v1/figures", HttpAssertions.RawJson("{\"label\": \"x\",,}"))).ShouldBeProblem(400);
        var typed = await (await _writer.PostAsync("/v1/figures", HttpAssertions.RawJson("{\"valueNumeric\": \"30 000\"}"))).ShouldBeValidationProblem("valueNumeric");
        Assert.That(typed["errors"]!["valueNumeric"]![0]!.ToString(), Does.Contain("a number"));
    }

    [Test]
    public async Task Replacing_a_figure_can_move_it_to_another_territory_and_increments_its_version()
    {
        var from = await Records.NewTerritory();
        var to = await Records.NewTerritory();
        var id = await Records.CreateId("figures", Records.Figure(from));
        var replacement = Records.Figure(to, id: id);
        replacement["valueNumeric"] = 21.2m;
        replacement["unit"] = "%";

        var response = await _writer.PutJson($"/v1/figures/{id}", replacement);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var body = await response.JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That((string?)body["territoryId"], Is.EqualTo(to));
            Assert.That((decimal?)body["valueNumeric"], Is.EqualTo(21.2m));
            Assert.That((long?)body["version"], Is.EqualTo(2));
        });
        var former = await (await _anonymous.GetAsync($"/v1/territories/{from}/figures")).JsonBody();
        Assert.That(former["items"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task Deleting_a_figure_answers_204_and_leaves_a_tombstone()
    {
        var territory = await Records.NewTerritory();
        var id = await Records.CreateId("figures", Records.Figure(territory, [await Records.NewSource()]));
        var refused = await (await _writer.DeleteAsync($"/v1/territories/{territory}")).ShouldBeProblem(409);
        Assert.That(refused["referencedBy"]!.AsArray().Select(r => ((string?)r!["collection"], (string?)r["id"])), Is.EqualTo(new[] { ("figures", id) }));

        Assert.That((await _writer.DeleteAsync($"/v1/figures/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await (await _anonymous.GetAsync($"/v1/figures/{id}")).ShouldBeProblem(404);
        Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from tombstones where entity = 'figures' and id = $1", id), Is.EqualTo(1));
        await (await _writer.DeleteAsync($"/v1/figures/{id}")).ShouldBeProblem(404);
        Assert.That((await _writer.DeleteAsync($"/v1/territories/{territory}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }
}
