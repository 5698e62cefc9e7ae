using Npgsql;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Database;

/// <summary><c>dotnet run --project api -- seed [directory]</c>: migrates and (re)loads the seeds, then exits.</summary>
public static class SeedCommand
{
    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        var directory = args.Length > 1 ? args[1] : Seeder.DefaultDirectory;
        // As the owner: loading replaces whole tables.
        await using var dataSource = NpgsqlDataSource.Create(app.Services.GetRequiredService<DatabaseConnections>().Owner);
        await Migrator.MigrateAsync(dataSource);
        Console.WriteLine($"Seeded from {directory}: {await Seeder.SeedAsync(dataSource, app.Services.GetRequiredService<CollectionRegistry>(), directory)}");
        return 0;
    }
}
