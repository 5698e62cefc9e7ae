using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Observatoire.Api.Database;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Signs cursors with this deployment's secret, so that a client can neither forge nor alter one (their values
/// reach typed SQL parameters and casts). The secret is <c>Paging:CursorKey</c> when configured (at least 32
/// characters; give every instance behind one address the same), else ASP.NET Core Data Protection's key ring,
/// kept beside the local database's data (<c>.data/data-protection</c>) in the local default mode, else where Data
/// Protection keeps it by default. See ADR 0020.
/// </summary>
public sealed class CursorKeys
{
    public const int MinimumKeyLength = 32;
    private const int TagLength = 16;

    private readonly byte[]? _key;
    private readonly IDataProtector? _protector;

    public CursorKeys(IConfiguration configuration, IDataProtectionProvider dataProtection)
    {
        var configured = configuration["Paging:CursorKey"];
        if (string.IsNullOrEmpty(configured))
        {
            _protector = dataProtection.CreateProtector("Observatoire.Paging.Cursor.v1");
            return;
        }
        if (configured.Length < MinimumKeyLength)
        {
            throw new InvalidOperationException($"Paging:CursorKey must be at least {MinimumKeyLength} characters long (a random secret).");
        }
        _key = Encoding.UTF8.GetBytes(configured);
    }

    public byte[] Sign(string purpose, byte[] payload) =>
        _key is null ? _protector!.CreateProtector(purpose).Protect(payload) : [.. payload, .. Tag(purpose, payload)];

    /// <summary>The payload signed for <paramref name="purpose"/> with this deployment's secret, or null.</summary>
    public byte[]? Open(string purpose, byte[] token)
    {
        if (_key is null)
        {
            try
            {
                return _protector!.CreateProtector(purpose).Unprotect(token);
            }
            catch (CryptographicException)
            {
                return null;
            }
        }
        if (token.Length <= TagLength) return null;
        var payload = token[..^TagLength];
        return CryptographicOperations.FixedTimeEquals(Tag(purpose, payload), token.AsSpan(token.Length - TagLength)) ? payload : null;
    }

    private byte[] Tag(string purpose, byte[] payload) =>
        HMACSHA256.HashData(_key!, (byte[])[.. Encoding.UTF8.GetBytes(purpose), 0, .. payload])[..TagLength];
}

public static class CursorKeysSetup
{
    public static IServiceCollection AddObservatoireCursorKeys(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("Observatoire");
        // In the local default mode the key ring lives with the local data: deleting .data/ starts afresh.
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((options, provider) =>
        {
            if (options.XmlRepository is null && provider.GetService<LocalPostgres>() is { } cluster)
            {
                var folder = Path.Combine(Path.GetDirectoryName(cluster.DataDirectory)!, "data-protection");
                // The keys are stored unencrypted, like the API key beside them: readable by this user only.
                if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
                else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                options.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(folder), provider.GetRequiredService<ILoggerFactory>());
            }
        });
        services.AddSingleton<CursorKeys>();
        return services;
    }
}

