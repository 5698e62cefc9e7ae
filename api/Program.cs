using Observatoire.Api.Actors;
using Observatoire.Api.Audit;
using Observatoire.Api.Changes;
using Observatoire.Api.Database;
using Observatoire.Api.Dumps;
using Observatoire.Api.Figures;
using Observatoire.Api.Health;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Keys;
using Observatoire.Api.Projects;
using Observatoire.Api.Resources;
using Observatoire.Api.Search;
using Observatoire.Api.Sessions;
using Observatoire.Api.Sources;
using Observatoire.Api.Status;
using Observatoire.Api.Territories;
using Observatoire.Api.Webhooks;

var builder = WebApplication.CreateBuilder(args).UseDefaultUrl();

DatabaseConnections connections;
try
{
    connections = await DatabaseSetup.ResolveConnectionStringsAsync(builder);
}
catch (Exception e) when (e is DatabaseUnavailableException or LocalPostgresException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

builder.Services.AddObservatoireDatabase(connections);
builder.Services.AddObservatoireCollections();
builder.Services.AddObservatoireReadCache(ReadReplicaSetup.ListenerConnectionString(builder.Configuration, connections.RunTime));
builder.Services.AddObservatoireReadReplicas(builder.Configuration);
builder.Services.AddObservatoireHealthChecks(builder.Configuration);
builder.Services.AddObservatoireJson();
builder.Services.AddObservatoireProblems();
builder.Services.AddObservatoireValidation();
builder.Services.AddObservatoireOpenApi();
builder.Services.AddObservatoireCors();
builder.Services.AddObservatoireApiKeys();
builder.Services.AddObservatoireForwardedHeaders(builder.Configuration);
builder.Services.AddObservatoireTelemetry(builder.Configuration);
builder.Services.AddObservatoireRequestLimits(builder.Configuration);
builder.Services.AddObservatoireCursorKeys();
builder.Services.AddObservatoireWebhooks(builder.Configuration);
builder.Services.AddObservatoireDumps(builder.Configuration, connections.RunTime);
builder.AddObservatoireRateLimits();
builder.AddObservatoireRequestBudgets();

var app = builder.Build();
// Leaving the private cluster when the API stops (Ctrl-C included) stops it if no other process uses it.
await using var localDatabase = app.Services.GetService<LocalPostgres>();

app.UseSecurityHeaders();
app.UseForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAbortOnFailureMidway();
// Before anything reads the request: too large a body, or control characters in the URL or headers, are refused.
app.UseRequestLimits();
app.UseInputTextCheck();
app.UseHeadAsGet();
app.UseCors();
// Rate limits, then time budgets, before the key check and the endpoint (docs/decisions/0022).
app.UseObservatoireRateLimits();
app.UseObservatoireRequestBudgets();
// Before any endpoint binds its body: a write without a valid key is refused unread.
app.UseAuthentication();
app.UseAuthorization();
app.UseIdempotencyKeys();
app.UseObservatoireOpenApi();
// Reads that the standbys can answer go to them (docs/decisions/0027).
app.UseReadReplicas();

app.MapHealthApi();
app.MapTerritoriesApi();
app.MapFiguresApi();
app.MapResourcesApi();
app.MapActorsApi();
app.MapProjectsApi();
app.MapSessionsApi();
app.MapSourcesApi();
app.MapChangesApi();
app.MapDumpsApi();
app.MapStatusApi();
app.MapSearchApi();
app.MapKeysApi();
app.MapAuditApi();
app.MapWebhooksApi();

// After the routes: seeding loads, and the keys command checks scopes against, the collections they register.
try
{
    if (args.FirstOrDefault() == "seed") return await SeedCommand.RunAsync(app, args);
    if (args.FirstOrDefault() == "keys") return await KeysCommand.RunAsync(app, args);
    // Migrates the database now, or, while it is unreachable, keeps trying in the background once started (not ready).
    await app.Services.GetRequiredService<DatabasePreparation>().PrepareOrDeferAsync();
    await app.RunAsync();
}
catch (Exception e) when (e is MigrationException or Npgsql.PostgresException)
{
    // Reachable but unusable (a changed migration, a refused password): only a person can fix it.
    Console.Error.WriteLine(e.Message);
    return 1;
}
return Environment.ExitCode;
