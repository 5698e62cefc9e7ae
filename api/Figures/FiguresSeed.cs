using Observatoire.Api.Database;

namespace Observatoire.Api.Figures;

/// <summary>seeds/knowledge/figures.csv: the key figures and their sources.</summary>
public static class FiguresSeed
{
    private static readonly SeedTable Figures = SeedTable.Records("figures", ["territory_id", "label", "value_text", "value_numeric", "unit", "reference_date"],
        new() { ["territory_id"] = "territories" });
    private static readonly SeedTable FigureSources = SeedTable.Links("figure_sources", ("figure_id", "figures"), ("source_id", "sources"));

    public static readonly CollectionSeed Seed = new([Figures, FigureSources], Read);

    private static void Read(SeedSet seeds)
    {
        foreach (var r in seeds.Read("knowledge", "figures.csv"))
        {
            r.Add(Figures, r["id"], SeedSet.Territory(r["territory_code"]), r["label"], r["value_text"], Csv.Decimal(r["value_numeric"]),
                Csv.NullIfEmpty(r["unit"]), Csv.NullIfEmpty(r["reference_date"]));
            r.Link(FigureSources, r["id"], Csv.List(r["source_ids"]));
        }
    }
}
