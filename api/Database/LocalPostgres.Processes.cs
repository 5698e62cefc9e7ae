using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Observatoire.Api.Database;

// The operating system's side: whether a server process is alive, a free port, and running the PostgreSQL
// programs (as the postgres user when root).
public sealed partial class LocalPostgres
{
    /// <summary>Whether the process exists and is not a zombie (an ended process its parent has not reaped).</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            if (Directory.Exists("/proc"))
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                return stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() is not ('Z' or 'X');
            }
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// The postmaster of <paramref name="clusterDirectory"/> if it is alive. Its PID alone is not enough (PIDs are
    /// reused after a reboot): on Linux the process's working directory, which a postmaster sets to its data
    /// directory, must hold the same postmaster.pid.
    /// </summary>
    public static (int Pid, int Port)? LivePostmaster(string clusterDirectory)
    {
        try
        {
            var lines = File.ReadAllLines(Path.Combine(clusterDirectory, "postmaster.pid"));
            if (lines.Length < 4 || !int.TryParse(lines[0], out var pid) || !int.TryParse(lines[3], out var port)) return null;
            if (Directory.Exists("/proc"))
            {
                var seen = File.ReadAllLines($"/proc/{pid}/cwd/postmaster.pid");
                return seen.Length >= 3 && seen.Take(3).SequenceEqual(lines.Take(3)) ? (pid, port) : null;
            }
            using var process = Process.GetProcessById(pid);
            return process.HasExited ? null : (pid, port);
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => string.Join('\n', new[] { Stderr.Trim(), Stdout.Trim() }.Where(s => s.Length > 0));
    }

    private static async Task<Result> ExecAsync(string file, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken ct)
    {
        var info = new ProcessStartInfo
        {
            FileName = asPostgres ? "runuser" : file,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            // The current folder may be one the postgres user cannot enter (a clone in root's home).
            info.WorkingDirectory = "/";
            foreach (var a in new[] { "-u", ServerUser, "--", file }) info.ArgumentList.Add(a);
        }
        foreach (var a in arguments) info.ArgumentList.Add(a);

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new LocalPostgresException($"The local PostgreSQL database cannot be used: could not run {info.FileName}: {e.Message}\n" +
                                             "Way out: install PostgreSQL's server package, or set ConnectionStrings__Observatoire to a PostgreSQL server of yours.");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            return new Result(process.ExitCode, await stdout, await stderr);
        }
    }
}
