using System.Globalization;
using FluentValidation;
using Npgsql;
using Observatoire.Api.Database;
using Observatoire.Contracts;

namespace Observatoire.Api.Keys;

/// <summary>
/// <c>dotnet run --project api -- keys create --name NAME --scope SCOPE [--scope …] [--expires 2027-01-01]</c> prints
/// the new key once; <c>keys list</c> lists them without secrets; <c>keys revoke ID</c> revokes one. The database is
/// migrated first; exit code 0 on success, 1 for a key that does not exist, 2 for a wrong command.
/// </summary>
public static class KeysCommand
{
    private const string Usage = """
        Usage:
          keys create --name NAME --scope SCOPE [--scope SCOPE ...] [--expires 2027-01-01]
          keys list
          keys revoke ID
        A scope is admin, or write:<collection> (write:sources, ...).
        """;

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        switch (args.ElementAtOrDefault(1))
        {
            case "create" when ParseCreate(args[2..]) is { } request:
                using (var scope = app.Services.CreateScope())
                {
                    var validation = await scope.ServiceProvider.GetRequiredService<IValidator<KeyRequest>>().ValidateAsync(request);
                    if (!validation.IsValid) return Fail(string.Join(Environment.NewLine, validation.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}")));
                }
                await Migrator.MigrateAsync(dataSource);
                var (key, created) = await KeysApi.CreateAsync(dataSource, request, CancellationToken.None);
                Console.WriteLine($"Created key {created.Id} \"{created.Name}\" ({string.Join(", ", created.Scopes)}){Expiry(created.ExpiresAt)}.");
                Console.WriteLine("The key, shown this once (it is stored hashed; send it in the X-Api-Key header):");
                Console.WriteLine(key);
                return 0;
            case "list" when args.Length == 2:
                await Migrator.MigrateAsync(dataSource);
                Console.WriteLine("id\tname\tscopes\tcreated\texpires\tlast used\trevoked");
                for (long after = 0; ;)
                {
                    var rows = await KeysApi.ListAsync(dataSource, after, 500, CancellationToken.None);
                    if (rows.Count == 0) return 0;
                    foreach (var k in rows)
                    {
                        Console.WriteLine(string.Join('\t', k.Id.ToString(CultureInfo.InvariantCulture), k.Name + (k.Bootstrap ? " (bootstrap)" : ""),
                            string.Join(',', k.Scopes), Time(k.CreatedAt), Time(k.ExpiresAt), Time(k.LastUsedAt), Time(k.RevokedAt)));
                    }
                    after = rows[^1].Id;
                }
            case "revoke" when args.Length == 3:
                if (!long.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return Fail($"Not a key id: {args[2]}");
                await Migrator.MigrateAsync(dataSource);
                if (!await KeysApi.RevokeAsync(dataSource, id, CancellationToken.None))
                {
                    Console.Error.WriteLine($"No API key has the id {id}.");
                    return 1;
                }
                Console.WriteLine($"Revoked key {id}: it is refused from the next request on.");
                return 0;
            default:
                return Fail(null);
        }
    }

    /// <summary>The request of <c>create</c>'s options, or null when they are not understood.</summary>
    private static KeyRequest? ParseCreate(string[] options)
    {
        string? name = null;
        List<string> scopes = [];
        DateTimeOffset? expires = null;
        for (var i = 0; i < options.Length; i += 2)
        {
            if (i + 1 >= options.Length) return null;
            var value = options[i + 1];
            switch (options[i])
            {
                case "--name": name = value; break;
                case "--scope": scopes.Add(value); break;
                case "--expires" when DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at):
                    expires = at; break;
                default: return null;
            }
        }
        return new KeyRequest(name, scopes, expires);
    }

    private static int Fail(string? message)
    {
        if (message is not null) Console.Error.WriteLine(message);
        Console.Error.WriteLine(Usage);
        return 2;
    }

    private static string Expiry(DateTime? at) => at is null ? ", without expiry" : $", expires {Time(at)}";

    private static string Time(DateTime? at) => at?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";
}
