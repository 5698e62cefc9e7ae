using System.Text;

namespace Observatoire.Api.Tests.Fuzz;

/// <summary>What a generated request must get: any 2xx/3xx, any 4xx, or either (never a 5xx in any case).</summary>
public enum Expect { Success, Rejected, Either }

/// <summary>One generated request, with why it is valid or not, printable as a reproduction.</summary>
public sealed record FuzzCase(string Method, string Url, Expect Expect, string Why)
{
    public List<KeyValuePair<string, string>> Headers { get; } = [];
    public string? Body { get; init; }
    public string? ContentType { get; init; }
    public bool WithKey { get; init; }
    /// <summary>For a write expected to succeed: the collection path its record is deleted from afterwards.</summary>
    public string? Creates { get; init; }

    public HttpRequestMessage ToRequest()
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), Url);
        if (WithKey) request.Headers.TryAddWithoutValidation("X-Api-Key", TestApi.ApiKey);
        foreach (var (name, value) in Headers) request.Headers.TryAddWithoutValidation(name, value);
        if (Body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Body));
            if (ContentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        }
        return request;
    }

    public string Describe(int status, string? mediaType, string responseBody)
    {
        var text = new StringBuilder();
        text.Append($"{Method} {Url}  [{Expect}: {Why}]\n");
        if (WithKey) text.Append("    X-Api-Key: (the test key)\n");
        foreach (var (name, value) in Headers) text.Append($"    {name}: {Escape(value)}\n");
        if (Body is not null) text.Append($"    Content-Type: {ContentType ?? "(none)"}\n    body: {Cut(Escape(Body), 600)}\n");
        text.Append($"  -> {status} {mediaType}: {Cut(responseBody, 600)}");
        return text.ToString();
    }

    private static string Cut(string text, int length) => text.Length <= length ? text : text[..length] + $"… ({text.Length} chars)";

    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text) escaped.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        return escaped.ToString();
    }
}
