using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Dumps;

public static class DumpsApi
{
    public const string Tag = "Dumps";
    public const string TagDescription = "Snapshot dumps: every collection in one download, read in one transaction, with the change feed's position to follow from there.";
    public const string MediaType = "application/gzip";

    public static IServiceCollection AddObservatoireDumps(this IServiceCollection services, IConfiguration configuration, string connectionString)
    {
        var settings = configuration.GetSection(DumpSettings.Section).Get<DumpSettings>() ?? new DumpSettings();
        var directory = settings.Directory is { Length: > 0 } given ? Path.GetFullPath(given) : DumpStore.DefaultDirectory(connectionString);
        return services.AddSingleton(provider => ActivatorUtilities.CreateInstance<DumpStore>(provider, settings, directory));
    }

    public static IEndpointRouteBuilder MapDumpsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/dumps").WithTags(Tag).RejectUnknownQueryParameters();
        api.MapGet("/latest", GetLatestDump).WithName("getLatestDump").WithSummary("Get the latest snapshot dump")
            .WithDescription("The manifest of the dump of the current data: one gzip JSON Lines file per collection (each line the body of the record's item GET), " +
                "its record count, size and SHA-256, and the change feed's position at the dump (since, and links.changes). To make a copy: download every file, " +
                "then follow links.changes as /v1/changes describes. A dump is made once per data version (the first request after a change may take a few seconds) " +
                "and the latest two are kept. Counts as an export in the rate limits.")
            .WithResponseExample(200, DumpExamples.Manifest);
        api.MapGet("/{version}/{collection}.jsonl.gz", GetDumpFile).WithName("getDumpFile").WithSummary("Download a collection of a dump")
            .WithDescription("One collection of a dump, as the manifest lists it: gzip-compressed JSON Lines, one record a line. Its ETag is its SHA-256 " +
                "(strong); Range resumes an interrupted download (206, or 416 outside the file), If-None-Match answers 304. A dump no longer kept answers 410: " +
                "start again from /v1/dumps/latest. Counts as an export in the rate limits.")
            .Produces(StatusCodes.Status200OK, typeof(Stream), MediaType)
            .Produces(StatusCodes.Status206PartialContent, typeof(Stream), MediaType)
            .WithResponseExample(200, DumpExamples.File, MediaType)
            .WithResponseExample(206, DumpExamples.File, MediaType)
            .WithResponseExample(404, DumpExamples.NoSuchFile)
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status416RangeNotSatisfiable)
            // A large file to a slow client may take longer than a request's budget; Kestrel's minimum data rate still applies.
            .DisableRequestTimeout();
        return app;
    }

    public static async Task<Ok<DumpManifest>> GetLatestDump(HttpContext context, NpgsqlDataSource db, DumpStore store, CancellationToken ct)
    {
        var current = await ReadReplicas.CurrentVersionAsync(context, ct);
        var index = await store.LatestAsync(current, db, ct);
        context.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Ok(ToManifest(context, index));
    }

    /// <param name="version">The dump's data version, as in its manifest.</param>
    /// <param name="collection">The collection, as in its URL: territories.</param>
    public static Results<DumpFileResult, NotFoundProblem, GoneProblem> GetDumpFile(
        string version, string collection, HttpContext context, DumpStore store, CollectionRegistry collections)
    {
        var name = $"{version}/{collection}{DumpStore.FileSuffix}";
        if (!long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || !collections.Contains(collection))
        {
            return Problems.NotFound(context, $"No dump file is named {name}: read /v1/dumps/latest for the files of the latest dump.");
        }
        var index = store.Read(number);
        var file = index?.Files.FirstOrDefault(f => f.Collection == collection);
        FileStream? stream = null;
        try
        {
            // Opened before answering: a dump removed from now on still finishes this download.
            if (file is not null) stream = new FileStream(store.PathOf(number, collection), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            stream = null;
        }
        if (stream is null)
        {
            return file is not null || store.Superseded(number)
                ? new GoneProblem(Problems.Create(context, StatusCodes.Status410Gone, "Gone", $"The dump {version} is no longer kept: read /v1/dumps/latest for the latest one."))
                : Problems.NotFound(context, $"No dump file is named {name}: read /v1/dumps/latest for the files of the latest dump.");
        }
        // A version's files never change: their SHA-256 is their identity.
        context.Response.Headers.CacheControl = "public, max-age=86400, immutable";
        return new DumpFileResult(TypedResults.File(stream, MediaType, $"{collection}-{number}{DumpStore.FileSuffix}", index!.CreatedAt,
            new EntityTagHeaderValue($"\"{file!.Sha256}\""), enableRangeProcessing: true));
    }

    private static DumpManifest ToManifest(HttpContext context, DumpIndex index)
    {
        var since = index.Since.Encode(context.RequestServices.GetRequiredService<CursorKeys>());
        var root = context.Request.PathBase;
        return new DumpManifest(index.DataVersion, index.DataChangedAt, index.CreatedAt, since,
            [.. index.Files.Select(f => new DumpFile(f.Collection, f.Count, f.Bytes, f.Sha256,
                $"{root}/v1/dumps/{index.DataVersion.ToString(CultureInfo.InvariantCulture)}/{f.Collection}{DumpStore.FileSuffix}"))],
            new DumpLinks($"{root}/v1/changes?since={Uri.EscapeDataString(since)}"));
    }
}

/// <summary>
/// A dump file as the framework's file result serves it (Range, If-Range, If-None-Match), except that its 416, which
/// the framework sends without a body, is a problem like every other 4xx of the API (Content-Range still gives the size).
/// </summary>
public sealed class DumpFileResult(FileStreamHttpResult file) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext context)
    {
        await file.ExecuteAsync(context);
        if (context.Response.StatusCode != StatusCodes.Status416RangeNotSatisfiable || context.Response.HasStarted) return;
        context.Response.ContentLength = null;
        context.Response.ContentType = null;
        await TypedResults.Problem(Problems.Create(context, StatusCodes.Status416RangeNotSatisfiable, "Range Not Satisfiable",
            $"The range asked for lies outside the file ({file.FileLength} bytes).")).ExecuteAsync(context);
    }
}
