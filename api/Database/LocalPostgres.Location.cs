using System.Security.Cryptography;

namespace Observatoire.Api.Database;

// Where the cluster lives: beside the configured directory, or, as root, in the postgres user's home behind a
// pointer file; and the sweep of the clusters there that no clone points to any more.
public sealed partial class LocalPostgres
{
    /// <summary>
    /// As root, the server runs as the postgres user, which must reach its data directory. When it cannot
    /// (a clone in root's 0700 home), the data directory goes into that user's home instead, recorded by a
    /// pointer file beside <see cref="DataDirectory"/>: deleting the state folder still starts from scratch.
    /// </summary>
    private async Task LocateAsync(CancellationToken ct)
    {
        if (File.Exists(PointerFile))
        {
            var target = (await File.ReadAllTextAsync(PointerFile, ct)).Trim();
            if (Directory.Exists(target))
            {
                ClusterDirectory = target;
                await File.WriteAllTextAsync(OwnerFile(target), PointerFile, ct);
                await RemoveOrphansAsync(target, ct);
                return;
            }
            // Its cluster was removed: start from scratch.
            File.Delete(PointerFile);
        }
        if (!_asPostgresUser) return;

        var home = await PostgresHomeAsync(ct);
        var reachable = await PostgresCanEnterAsync(StateDirectory, ct);
        if (File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            if (reachable) return;
            throw Failure($"the cluster in {DataDirectory} exists but the {ServerUser} user, which runs it as root, cannot reach that folder",
                $"let {ServerUser} traverse its parent folders (chmod o+x on each), or delete {DataDirectory} and the {Path.GetFileName(DataDirectory)}.* files beside it to start from scratch elsewhere");
        }
        if (reachable) return;

        var clusters = Path.Combine(home, "observatoire-clusters");
        var folder = Path.Combine(clusters, Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant());
        var data = Path.Combine(folder, "data");
        // The pointer is written first so that a concurrent orphan sweep never takes the new folder for an orphan.
        await WriteSecretAsync(PointerFile, data, ct);
        var mkdir = await ExecAsync("mkdir", ["-p", "-m", "700", folder], asPostgres: true, ct);
        if (mkdir.ExitCode != 0)
        {
            File.Delete(PointerFile);
            throw Failure($"the {ServerUser} user cannot reach {StateDirectory} and cannot create {folder} in its home either: {mkdir.Output}",
                $"make {home} writable by {ServerUser}, or set LocalDatabase__Directory to a folder {ServerUser} can reach (e.g. under /var/tmp)");
        }
        await File.WriteAllTextAsync(OwnerFile(data), PointerFile, ct);
        if (Directory.Exists(DataDirectory) && !Directory.EnumerateFileSystemEntries(DataDirectory).Any()) Directory.Delete(DataDirectory);
        ClusterDirectory = data;
        await RemoveOrphansAsync(data, ct);
    }

    private static string OwnerFile(string clusterDirectory) => Path.Combine(Path.GetDirectoryName(clusterDirectory)!, "owner");

    /// <summary>Removes the stopped clusters in postgres's home whose clone no longer points to them (its state folder was deleted).</summary>
    private async Task RemoveOrphansAsync(string current, CancellationToken ct)
    {
        var clusters = Path.GetDirectoryName(Path.GetDirectoryName(current)!)!;
        foreach (var folder in Directory.GetDirectories(clusters))
        {
            var data = Path.Combine(folder, "data");
            if (data == current || !File.Exists(OwnerFile(data))) continue;
            try
            {
                var pointer = (await File.ReadAllTextAsync(OwnerFile(data), ct)).Trim();
                if (File.Exists(pointer) && (await File.ReadAllTextAsync(pointer, ct)).Trim() == data) continue;
                if (LivePostmaster(data) is not null) continue;
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another process is removing it, or it is not ours to judge: leave it.
            }
        }
    }

    private async Task<string> PostgresHomeAsync(CancellationToken ct)
    {
        var entry = await ExecAsync("getent", ["passwd", ServerUser], asPostgres: false, ct);
        var fields = entry.Stdout.Trim().Split(':');
        if (entry.ExitCode != 0 || fields.Length < 6)
        {
            throw Failure($"PostgreSQL refuses to run as root, and this machine has no {ServerUser} user to run it",
                $"run as an ordinary user, or create the user (useradd --system --create-home --home-dir /var/lib/postgresql {ServerUser}; the postgresql package does)");
        }
        return fields[5];
    }

    private async Task<bool> PostgresCanEnterAsync(string directory, CancellationToken ct) =>
        (await ExecAsync("test", ["-x", directory], asPostgres: true, ct)).ExitCode == 0;
}
