namespace Observatoire.Api.Tests.Territories;

/// <summary>Request bodies for territory writes. Codes are random so that no test meets another's data.</summary>
public static class TerritoryRequests
{
    private static int _next = Random.Shared.Next(0, 300);

    /// <summary>A free 2023-2027 code from ti-9000 to ti-9299 (regions 90 to 92 do not exist), distinct within a run.</summary>
    public static string FreshCode2023() => $"ti-{9000 + Interlocked.Increment(ref _next) % 300}";

    /// <summary>Whether an id is one the tests create (codes 9000 to 9299 in either phase).</summary>
    public static bool IsTestId(string id) => System.Text.RegularExpressions.Regex.IsMatch(id, "^20(18|23)-ti-?9[0-2][0-9]{2}$");

    public static Dictionary<string, object?> Valid(string code, string name = "Territoire d'essai") => new()
    {
        ["phase"] = "2023-2027",
        ["code"] = code,
        ["name"] = name,
        ["regionCodes"] = new[] { "27" },
        ["departmentCodes"] = new[] { "90" },
        ["population"] = 1234,
        ["point"] = new { latitude = 47.64, longitude = 6.86 },
        ["studied"] = false,
        ["groupings"] = new[] { new { siren = "200069052", name = "CA Grand Belfort", kind = "CA" } },
        ["communes"] = new[] { new { inseeCode = "90010", name = "Belfort" }, new { inseeCode = "90065", name = "Giromagny" } },
    };

    public static string IdOf(string code2023) => $"2023-{code2023}";
}
