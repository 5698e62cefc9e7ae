using System.Text;

namespace Observatoire.Api.Tests.Limits;

/// <summary>
/// The formula characters the export test of = + - @ leaves out: a leading tab or carriage return. The API trims
/// the texts it is sent, so such cells come from data stored otherwise (seeds, older rows), written here directly.
/// </summary>
public sealed class CsvFormulaTests
{
    [Test]
    public async Task A_text_cell_starting_with_a_tab_or_a_carriage_return_is_written_after_a_quote()
    {
        var territory = await Records.NewTerritory();
        foreach (var label in new[] { "\t=1+1", "\r=1+1" })
        {
            var id = await Records.CreateId("figures", Records.Figure(territory));
            await TestApi.Database.ScalarAsync<object>("update figures set label = $1 where id = $2", label, id);
        }
        using var client = TestApi.Anonymous();
        var text = Encoding.UTF8.GetString(await client.GetByteArrayAsync($"/v1/figures?territory={territory}&format=csv"));
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("\"'\t=1+1\""));
            Assert.That(text, Does.Contain("\"'\r=1+1\""));
            Assert.That(text, Does.Not.Contain(";\t=1+1"));
        });
    }
}
