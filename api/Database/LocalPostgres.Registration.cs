using System.Diagnostics;
using System.Text;

namespace Observatoire.Api.Database;

// Several processes share one cluster: the lock that lets one of them at a time create, start or stop it,
// and the registrations that tell the last one to leave that it must stop the server.
public sealed partial class LocalPostgres
{
    // One process at a time decides to create, start or stop the cluster. The lock is an flock held by the open
    // file: the kernel releases it when its process dies, so a crash never leaves it taken.
    private async Task<FileStream> LockAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(StateDirectory);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException))
            {
                if (waited.Elapsed > LockTimeout)
                {
                    throw Failure($"another process has been starting or stopping the cluster of {DataDirectory} for {LockTimeout.TotalMinutes:0} minutes (it holds {LockFile})",
                        "stop the other `dotnet run` of this folder, then run again");
                }
                await Task.Delay(100, ct);
            }
        }
    }

    // A registration is a file held open with an exclusive flock for the life of its user: one that can be
    // locked by someone else belongs to a process that ended without unregistering (killed, crashed).
    private void Register()
    {
        Directory.CreateDirectory(UsersDirectory);
        var file = Path.Combine(UsersDirectory, $"{Environment.ProcessId}-{Guid.NewGuid():N}");
        _registration = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        _registration.Write(Encoding.UTF8.GetBytes($"{Environment.ProcessId}\n"));
        _registration.Flush();
    }

    private void Unregister()
    {
        if (_registration is null) return;
        var file = _registration.Name;
        _registration.Dispose();
        _registration = null;
        File.Delete(file);
    }

    private bool OtherUsersRemain()
    {
        if (!Directory.Exists(UsersDirectory)) return false;
        var remain = false;
        foreach (var file in Directory.GetFiles(UsersDirectory))
        {
            if (file == _registration?.Name) continue;
            try
            {
                using (new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.None)) { }
                File.Delete(file);
            }
            catch (FileNotFoundException)
            {
            }
            catch (IOException)
            {
                remain = true;
            }
        }
        return remain;
    }
}
