using Npgsql;


namespace Observatoire.Api.Database;

/// <summary><c>dotnet run --project api -- seed [directory]</c>: migrates and (re)loads the seeds, then exits.</summary>
public static class SeedCommand
{
    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        var directory = args.Length > 1 ? args[1] : Seeder.DefaultDirectory;
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        await Migrator.MigrateAsync(dataSource);
        Console.WriteLine($"Seeded from {directory}: {await Seeder.SeedAsync(dataSource, directory)}");
        return 0;
    }
}
