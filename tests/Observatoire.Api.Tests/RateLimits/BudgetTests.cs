using System.Text.RegularExpressions;

namespace Observatoire.Api.Tests.RateLimits;

/// <summary>
/// Each kind of request has its own budget per client (its API key, else its address); past it, a 429 problem with
/// Retry-After and the IETF RateLimit fields, while the other budgets and other clients are untouched.
/// </summary>
public sealed partial class BudgetTests
{
    private static readonly (string Key, string Value)[] Tiny =
    [
        ("RateLimits:Reads", "3"), ("RateLimits:Searches", "3"), ("RateLimits:Exports", "3"), ("RateLimits:Writes", "3"),
        ("RateLimits:FailedAuthentications", "2"),
    ];

    private static HttpRequestMessage Request(string kind) => kind switch
    {
        "reads" => new(HttpMethod.Get, "/v1/territories?limit=1"),
        "searches" => new(HttpMethod.Get, "/v1/search?q=brest"),
        "exports" => new(HttpMethod.Get, "/v1/territories?phase=2018-2022&format=csv"),
        // A write refused by validation: it spends a permit and writes nothing.
        "writes" => new(HttpMethod.Post, "/v1/sources") { Content = HttpAssertions.RawJson("{}") },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static readonly string[] Kinds = ["reads", "searches", "exports", "writes"];

    private static (string Name, int Quota, int Window) Policy(HttpResponseMessage response)
    {
        var match = PolicyField().Match(response.Headers.GetValues("RateLimit-Policy").Single());
        Assert.That(match.Success, response.Headers.GetValues("RateLimit-Policy").Single());
        return (match.Groups[1].Value, int.Parse(match.Groups[2].Value), int.Parse(match.Groups[3].Value));
    }

    private static (string Name, int Remaining, int Reset) Current(HttpResponseMessage response)
    {
        var match = RateLimitField().Match(response.Headers.GetValues("RateLimit").Single());
        Assert.That(match.Success, response.Headers.GetValues("RateLimit").Single());
        return (match.Groups[1].Value, int.Parse(match.Groups[2].Value), int.Parse(match.Groups[3].Value));
    }

    private static async Task ShouldBeTooManyRequests(HttpResponseMessage response, string policy)
    {
        var body = await response.ShouldBeProblem(429);
        var retryAfter = response.Headers.RetryAfter?.Delta?.TotalSeconds;
        var (name, remaining, reset) = Current(response);
        Assert.Multiple(() =>
        {
            Assert.That(retryAfter, Is.InRange(1, 3600));
            Assert.That(name, Is.EqualTo(policy));
            Assert.That(remaining, Is.Zero);
            Assert.That(reset, Is.EqualTo(retryAfter));
            Assert.That(Policy(response).Name, Is.EqualTo(policy));
            Assert.That((string?)body["detail"], Does.Contain(policy == "failed-auth" ? "failed authentications" : policy));
        });
    }

    [TestCaseSource(nameof(Kinds))]
    public async Task Past_its_budget_a_kind_of_request_is_a_429_and_the_other_kinds_keep_theirs(string kind)
    {
        await using var api = LimitedApi.Start(TestApi.Database.ConnectionString, Tiny);
        using var client = api.Client(key: TestApi.ApiKey);

        for (var sent = 1; sent <= 3; sent++)
        {
            using var response = await client.SendAsync(Request(kind));
            Assert.That((int)response.StatusCode, Is.LessThan(429), await response.Content.ReadAsStringAsync());
            Assert.That(Policy(response), Is.EqualTo((kind, 3, 3600)));
            var (name, remaining, reset) = Current(response);
            Assert.That((name, remaining), Is.EqualTo((kind, 3 - sent)));
            Assert.That(reset, Is.InRange(1, 3600));
        }
        await ShouldBeTooManyRequests(await client.SendAsync(Request(kind)), kind);

        foreach (var other in Kinds.Where(k => k != kind))
        {
            using var response = await client.SendAsync(Request(other));
            Assert.That((int)response.StatusCode, Is.LessThan(429), $"{other}: {await response.Content.ReadAsStringAsync()}");
            Assert.That(Current(response), Is.EqualTo((other, 2, Current(response).Reset)));
        }
    }

    [TestCase("text/csv", "exports")]
    [TestCase("application/json", "reads")]
    [TestCase("text/csv;q=0.5, application/json", "reads")]
    public async Task The_accept_header_decides_whether_a_list_is_an_export(string accept, string policy)
    {
        await using var api = LimitedApi.Start(TestApi.Database.ConnectionString, Tiny);
        using var client = api.Client();
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/territories?phase=2018-2022");
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await client.SendAsync(request);
        Assert.That(Current(response).Name, Is.EqualTo(policy));
    }

    [Test]
    public async Task Two_api_keys_and_an_address_do_not_share_a_budget()
    {
        var other = await LimitedApi.NewKeyAsync(TestApi.Database.ConnectionString);
        await using var api = LimitedApi.Start(TestApi.Database.ConnectionString, Tiny);
        using var first = api.Client(key: TestApi.ApiKey);
        using var second = api.Client(key: other);
        using var anonymous = api.Client();

        for (var sent = 0; sent < 3; sent++) Assert.That((int)(await first.SendAsync(Request("reads"))).StatusCode, Is.EqualTo(200));
        await ShouldBeTooManyRequests(await first.SendAsync(Request("reads")), "reads");

        using var secondRead = await second.SendAsync(Request("reads"));
        using var anonymousRead = await anonymous.SendAsync(Request("reads"));
        Assert.Multiple(() =>
        {
            Assert.That((int)secondRead.StatusCode, Is.EqualTo(200));
            Assert.That(Current(secondRead).Remaining, Is.EqualTo(2));
            Assert.That((int)anonymousRead.StatusCode, Is.EqualTo(200));
            Assert.That(Current(anonymousRead).Remaining, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Two_addresses_behind_a_trusted_proxy_do_not_share_a_budget()
    {
        await using var api = LimitedApi.Start(TestApi.Database.ConnectionString, Tiny);
        using var first = api.Client(forwardedFor: "203.0.113.7");
        using var second = api.Client(forwardedFor: "203.0.113.8");

        for (var sent = 0; sent < 3; sent++) Assert.That((int)(await first.SendAsync(Request("reads"))).StatusCode, Is.EqualTo(200));
        await ShouldBeTooManyRequests(await first.SendAsync(Request("reads")), "reads");

        using var other = await second.SendAsync(Request("reads"));
        Assert.That((int)other.StatusCode, Is.EqualTo(200));
        Assert.That(Current(other).Remaining, Is.EqualTo(2));
    }

    [Test]
    public async Task Once_its_failed_authentications_are_spent_a_client_is_refused_before_its_key_is_checked()
    {
        await using var api = LimitedApi.Start(TestApi.Database.ConnectionString, Tiny);
        using var guesser = api.Client(key: "not-a-key", forwardedFor: "203.0.113.20");
        using var sameAddressWithKey = api.Client(key: TestApi.ApiKey, forwardedFor: "203.0.113.20");
        using var sameAddressReader = api.Client(forwardedFor: "203.0.113.20");
        using var otherAddress = api.Client(key: TestApi.ApiKey, forwardedFor: "203.0.113.21");

        await (await guesser.SendAsync(Request("writes"))).ShouldBeProblem(401);
        await (await guesser.SendAsync(Request("writes"))).ShouldBeProblem(401);
        await ShouldBeTooManyRequests(await guesser.SendAsync(Request("writes")), "failed-auth");
        // Even the right key is not looked at from this address until the window ends.
        await ShouldBeTooManyRequests(await sameAddressWithKey.SendAsync(Request("writes")), "failed-auth");

        using var read = await sameAddressReader.SendAsync(Request("reads"));
        Assert.That((int)read.StatusCode, Is.EqualTo(200), "reads without a key are not authentication attempts");
        await (await otherAddress.SendAsync(Request("writes"))).ShouldBeValidationProblem("url");
    }

    [Test]
    public async Task With_the_switch_off_nothing_is_limited()
    {
        await using var api = LimitedApi.Start(TestApi.Database.ConnectionString, [.. Tiny, ("RateLimits:Enabled", "false")]);
        using var client = api.Client();
        for (var sent = 0; sent < 5; sent++)
        {
            using var response = await client.SendAsync(Request("reads"));
            Assert.That((int)response.StatusCode, Is.EqualTo(200));
            Assert.That(response.Headers.Contains("RateLimit"), Is.False);
        }
    }

    [GeneratedRegex("""^"([a-z-]+)";q=(\d+);w=(\d+)$""")]
    private static partial Regex PolicyField();

    [GeneratedRegex("""^"([a-z-]+)";r=(\d+);t=(\d+)$""")]
    private static partial Regex RateLimitField();
}
