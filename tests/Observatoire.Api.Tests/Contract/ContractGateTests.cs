using System.Text.RegularExpressions;
using Observatoire.Api.Database;

namespace Observatoire.Api.Tests.Contract;

/// <summary>
/// Released contracts are kept as contracts/openapi/vX.Y.Z.yaml. The committed openapi.yaml must not break a client
/// of the latest one. Releasing: copy openapi.yaml to contracts/openapi/v{info.version}.yaml.
/// A finding that review showed breaks no client (the document now states a rule the server already enforced)
/// is listed, word for word with its reason, in contracts/openapi/vX.Y.Z.acknowledged.json; the gate passes it,
/// and fails on an entry the gate no longer finds, so the list never hides more than it says.
/// </summary>
public sealed partial class ContractGateTests
{
    [GeneratedRegex(@"^v(\d+)\.(\d+)\.(\d+)\.yaml$")]
    private static partial Regex ReleaseFile();

    private static string Root => DatabaseSetup.RepositoryRoot(TestContext.CurrentContext.TestDirectory);

    /// <summary>The released contracts, oldest first, by semantic version (not by file name).</summary>
    public static IReadOnlyList<(Version Version, string Path)> Releases()
    {
        var folder = Path.Combine(Root, "contracts", "openapi");
        if (!Directory.Exists(folder)) return [];
        return Directory.EnumerateFiles(folder, "v*.yaml")
            .Select(path => (Version: ReleaseVersion(Path.GetFileName(path)), Path: path))
            .Where(r => r.Version is not null)
            .Select(r => (r.Version!, r.Path))
            .OrderBy(r => r.Item1)
            .ToList();
    }

    /// <summary>v1.10.0.yaml -> 1.10.0; anything else -> null.</summary>
    public static Version? ReleaseVersion(string fileName) =>
        ReleaseFile().Match(fileName) is { Success: true } m
            ? new Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value))
            : null;

    [Test]
    public void The_contract_does_not_break_clients_of_the_latest_release()
    {
        var releases = Releases();
        Assert.That(releases, Is.Not.Empty, "No released contract in contracts/openapi (vX.Y.Z.yaml).");
        var (version, path) = releases[^1];

        var released = BreakingChangeTests.Parse(File.ReadAllText(path));
        var current = BreakingChangeTests.Parse(File.ReadAllText(Path.Combine(Root, "openapi.yaml")));
        var (findings, stale) = Unacknowledged(BreakingChanges.Find(released, current), Acknowledged(path));

        Assert.That(stale, Is.Empty, "Acknowledged findings the gate no longer reports: remove them from the .acknowledged.json file.");
        Assert.That(findings, Is.Empty,
            $"openapi.yaml breaks clients of the released contract v{version} ({Path.GetRelativePath(Root, path)}):\n  - " +
            string.Join("\n  - ", findings) +
            "\nKeep the released behaviour (add instead of change), or publish the change under a new path version.");
    }

    /// <summary>The findings reviewed as corrections for the release at <paramref name="releasePath"/> (vX.Y.Z.acknowledged.json beside it).</summary>
    public static IReadOnlyList<string> Acknowledged(string releasePath)
    {
        var file = Path.ChangeExtension(releasePath, ".acknowledged.json");
        if (!File.Exists(file)) return [];
        var document = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(file))!;
        return document["acknowledged"]!.AsArray()
            .Select(entry =>
            {
                Assert.That((string?)entry!["reason"], Is.Not.Null.And.Not.Empty, $"{file}: every acknowledged group needs a reason.");
                return entry["findings"]!.AsArray().Select(f => (string)f!);
            })
            .SelectMany(f => f)
            .ToList();
    }

    /// <summary>The findings not acknowledged, and the acknowledged ones that were not found (stale entries).</summary>
    public static (IReadOnlyList<string> Findings, IReadOnlyList<string> Stale) Unacknowledged(IReadOnlyList<string> findings, IReadOnlyList<string> acknowledged) =>
        ([.. findings.Except(acknowledged, StringComparer.Ordinal)], [.. acknowledged.Except(findings, StringComparer.Ordinal)]);

    [Test]
    public void An_acknowledged_finding_passes_and_any_other_still_fails()
    {
        var released = BreakingChangeTests.Parse(GateDocument(enumerated: false, withLimit: true));
        var current = BreakingChangeTests.Parse(GateDocument(enumerated: true, withLimit: false));
        var found = BreakingChanges.Find(released, current);
        Assert.That(found, Has.Count.EqualTo(2), string.Join("\n", found));
        var enumFinding = found.Single(f => f.Contains("enum", StringComparison.Ordinal));

        var (left, stale) = Unacknowledged(found, [enumFinding]);
        Assert.That(left, Is.EqualTo(new[] { found.Single(f => f != enumFinding) }), "an unlisted break is still reported");
        Assert.That(stale, Is.Empty);
    }

    [Test]
    public void An_acknowledged_finding_the_gate_no_longer_reports_is_stale()
    {
        var (left, stale) = Unacknowledged(["GET /a: operation removed"], ["GET /a: operation removed", "GET /b: operation removed"]);
        Assert.That(left, Is.Empty);
        Assert.That(stale, Is.EqualTo(new[] { "GET /b: operation removed" }));
    }

    [Test]
    public void Every_acknowledged_finding_of_the_latest_release_has_a_reason()
    {
        var (_, path) = Releases()[^1];
        Assert.That(Acknowledged(path), Is.All.Not.Empty);
    }

    // A list with a phase filter, with or without an enum on it, and with or without a limit parameter.
    private static string GateDocument(bool enumerated, bool withLimit)
    {
        var phase = enumerated ? "{ type: string, enum: [2018-2022, 2023-2027] }" : "{ type: string }";
        var limit = withLimit ? "\n        - { name: limit, in: query, schema: { type: integer } }" : "";
        return $$"""
            openapi: 3.1.0
            info: { title: t, version: 1.0.0 }
            paths:
              /items:
                get:
                  operationId: listItems
                  parameters:
                    - { name: phase, in: query, schema: {{phase}} }{{limit}}
                  responses:
                    '200': { description: ok }
            """;
    }

    [Test]
    public void The_latest_release_is_chosen_by_semantic_version()
    {
        var names = new[] { "v1.9.3.yaml", "v1.10.0.yaml", "v1.2.yaml", "notes.yaml", "v0.12.0.yaml" };
        var versions = names.Select(ReleaseVersion).OfType<Version>().ToList();
        Assert.That(versions, Has.Count.EqualTo(3));
        Assert.That(versions.Max(), Is.EqualTo(new Version(1, 10, 0)));
    }
}
