using System.Text.RegularExpressions;
using Observatoire.Api.Database;

namespace Observatoire.Api.Tests.Contract;

/// <summary>
/// Released contracts are kept as contracts/openapi/vX.Y.Z.yaml. The committed openapi.yaml must not break a client
/// of the latest one. Releasing: copy openapi.yaml to contracts/openapi/v{info.version}.yaml.
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
        var findings = BreakingChanges.Find(released, current);

        Assert.That(findings, Is.Empty,
            $"openapi.yaml breaks clients of the released contract v{version} ({Path.GetRelativePath(Root, path)}):\n  - " +
            string.Join("\n  - ", findings) +
            "\nKeep the released behaviour (add instead of change), or publish the change under a new path version.");
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
