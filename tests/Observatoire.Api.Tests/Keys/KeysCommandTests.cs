using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Observatoire.Api.Tests.Keys;

/// <summary><c>dotnet run --project api -- keys …</c>, run as the built API with the test database's connection string.</summary>
public sealed class KeysCommandTests
{
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunKeys(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ConnectionStrings__Observatoire"] = TestApi.Database.ConnectionString,
                ["Logging__LogLevel__Default"] = "Warning",
            },
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        start.ArgumentList.Add("keys");
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    [Test]
    public async Task Keys_are_created_listed_and_revoked_from_the_command_line()
    {
        var name = "Command line " + Guid.NewGuid().ToString("N")[..8];
        var create = await RunKeys("create", "--name", name, "--scope", "write:sources", "--scope", "write:actors", "--expires", "2099-01-01");
        Assert.That(create.ExitCode, Is.Zero, create.Stdout + create.Stderr);
        var key = Regex.Match(create.Stdout, @"^obs_[0-9A-Za-z]{46}$", RegexOptions.Multiline).Value;
        var id = Regex.Match(create.Stdout, @"Created key (\d+)").Groups[1].Value;
        Assert.That(key, Is.Not.Empty, create.Stdout);

        using var client = KeyClients.Client(key);
        var path = $"/v1/sources/{Records.FreshId("source")}";
        Assert.That((await client.DeleteAsync(path)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the key writes sources");
        Assert.That((await client.DeleteAsync($"/v1/figures/{Records.FreshId("figure")}")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));

        var list = await RunKeys("list");
        Assert.That(list.ExitCode, Is.Zero, list.Stderr);
        var line = list.Stdout.Split('\n').Single(l => l.StartsWith(id + "\t", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(line, Does.Contain(name).And.Contain("write:sources,write:actors").And.Contain("2099-01-01T00:00:00Z"));
            Assert.That(list.Stdout, Does.Not.Contain("obs_"), "no secret is listed");
        });

        var revoke = await RunKeys("revoke", id);
        Assert.That(revoke.ExitCode, Is.Zero, revoke.Stderr);
        await (await client.DeleteAsync(path)).ShouldBeProblem(401);

        var missing = await RunKeys("revoke", "999999999");
        Assert.That(missing.ExitCode, Is.EqualTo(1));
    }

    [Test]
    public async Task An_unknown_scope_is_refused_and_nothing_is_created()
    {
        var name = "Refused " + Guid.NewGuid().ToString("N")[..8];
        var create = await RunKeys("create", "--name", name, "--scope", "write:everything");
        Assert.Multiple(async () =>
        {
            Assert.That(create.ExitCode, Is.EqualTo(2));
            Assert.That(create.Stderr, Does.Contain("Unknown scope").And.Contain("write:sources"));
            Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from api_keys where name = $1", name), Is.Zero);
        });
    }
}
