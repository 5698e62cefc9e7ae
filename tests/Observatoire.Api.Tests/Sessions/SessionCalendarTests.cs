using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Observatoire.Api.Tests.Sessions;

public sealed class SessionCalendarTests
{
    private readonly HttpClient _anonymous = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _anonymous.Dispose();

    /// <summary>A content line once unfolded: its name, its parameters and its raw (still escaped) value.</summary>
    private sealed record ContentLine(string Name, IReadOnlyDictionary<string, string> Parameters, string Value);

    /// <summary>Unfolds (RFC 5545 §3.1) and splits the content lines of an iCalendar object.</summary>
    private static List<ContentLine> Unfold(string text)
    {
        var logical = new List<StringBuilder>();
        foreach (var physical in text.Split("\r\n"))
        {
            if (physical.Length > 0 && physical[0] is ' ' or '\t') logical[^1].Append(physical, 1, physical.Length - 1);
            else if (physical.Length > 0) logical.Add(new StringBuilder(physical));
        }
        return logical.Select(l =>
        {
            var line = l.ToString();
            var colon = line.IndexOf(':');
            var head = line[..colon].Split(';');
            var parameters = head.Skip(1).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            return new ContentLine(head[0], parameters, line[(colon + 1)..]);
        }).ToList();
    }

    /// <summary>The events of a calendar, each as its properties by name.</summary>
    private static List<Dictionary<string, ContentLine>> Events(IReadOnlyList<ContentLine> lines)
    {
        var events = new List<Dictionary<string, ContentLine>>();
        Dictionary<string, ContentLine>? current = null;
        foreach (var line in lines)
        {
            if (line is { Name: "BEGIN", Value: "VEVENT" }) current = [];
            else if (line is { Name: "END", Value: "VEVENT" }) { events.Add(current!); current = null; }
            else current?.Add(line.Name, line);
        }
        return events;
    }

    private static string Unescape(string value)
    {
        var text = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                i++;
                text.Append(value[i] is 'n' or 'N' ? '\n' : value[i]);
            }
            else text.Append(value[i]);
        }
        return text.ToString();
    }

    private async Task<(HttpResponseMessage Response, string Text)> Get(string url, string? accept = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (accept is not null) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        var response = await _anonymous.SendAsync(request);
        var text = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return (response, text);
    }

    private static string Day(string isoDate) => isoDate.Replace("-", "", StringComparison.Ordinal);

    [Test]
    public async Task The_feed_is_a_text_calendar_of_crlf_lines_folded_at_75_octets()
    {
        var (response, text) = await Get("/v1/sessions.ics");
        var physical = text.Split("\r\n");
        Assert.Multiple(() =>
        {
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/calendar"));
            Assert.That(response.Content.Headers.ContentType?.CharSet, Is.EqualTo("utf-8"));
            Assert.That(text, Does.StartWith("BEGIN:VCALENDAR\r\n"));
            Assert.That(text, Does.EndWith("END:VCALENDAR\r\n"));
            Assert.That(text.Replace("\r\n", "", StringComparison.Ordinal), Does.Not.Contain("\n").And.Not.Contain("\r"), "CRLF only");
            Assert.That(physical.Select(l => Encoding.UTF8.GetByteCount(l)).Max(), Is.LessThanOrEqualTo(75));
            Assert.That(physical.Count(l => l.StartsWith(' ')), Is.GreaterThan(0), "long lines are folded");
        });
        var lines = Unfold(text);
        var calendar = lines.TakeWhile(l => l is not { Name: "BEGIN", Value: "VEVENT" }).ToDictionary(l => l.Name, l => l.Value);
        Assert.Multiple(() =>
        {
            Assert.That(calendar["VERSION"], Is.EqualTo("2.0"));
            Assert.That(calendar["PRODID"], Is.Not.Empty);
            Assert.That(calendar["CALSCALE"], Is.EqualTo("GREGORIAN"));
            Assert.That(calendar["METHOD"], Is.EqualTo("PUBLISH"));
            Assert.That(Unescape(calendar["X-WR-CALNAME"]), Is.EqualTo("Séances de l'observatoire des Territoires d'industrie"));
        });
        var saintNazaire = Events(lines).Single(e => e["UID"].Value == "seance-03@observatoire-api");
        Assert.Multiple(() =>
        {
            Assert.That(saintNazaire["DTSTART"].Value, Is.EqualTo("20191023"));
            Assert.That(saintNazaire["DTSTART"].Parameters["VALUE"], Is.EqualTo("DATE"));
            Assert.That(saintNazaire["DTEND"].Value, Is.EqualTo("20191024"));
            Assert.That(Unescape(saintNazaire["SUMMARY"].Value), Is.EqualTo("Saint-Nazaire croit en son avenir industriel"));
            Assert.That(Unescape(saintNazaire["DESCRIPTION"].Value), Does.Contain("Saint-Nazaire - Cordemais").And.Contain("Vivien Duthoit"));
        });
    }

    [Test]
    public async Task Each_session_known_to_the_day_is_one_all_day_event_that_says_what_its_json_says()
    {
        var territory = await Records.NewTerritory();
        var speaker = await Records.CreateId("actors", Records.Person("Intervenante Calendrier"));
        var partner = await Records.NewOrganisation();
        var dayRequest = Records.Session(Records.FreshNumber(), "2020-12-31", territory, partnerActorId: partner,
            speakers: [new { actorId = speaker, role = "maire ; présidente, \\ déléguée" }],
            links: [new { kind = "video", url = (string?)null, title = (string?)"À paraître" }, new { kind = "report", url = (string?)"https://example.org/compte-rendu?a=1,2", title = (string?)null }]);
        dayRequest["title"] = "Essai ; virgule, barre \\ oblique — les énergies de l'Île-de-France, réindustrialisées à l'échelle intercommunale";
        dayRequest["location"] = "Hôtel de Région, Besançon";
        var day = await Records.Create("sessions", dayRequest);
        var other = await Records.Create("sessions", Records.Session(Records.FreshNumber(), "2020-01-01", territory));
        var month = Records.Session(Records.FreshNumber(), "2021-01-01", territory);
        month["datePrecision"] = "month";
        await Records.Create("sessions", month);
        await Records.Create("sessions", Records.Session(Records.FreshNumber(), null, territory));

        var json = await Records.ReadAll(_anonymous, $"/v1/sessions?territory={territory}");
        var expected = json.Where(s => (string?)s["datePrecision"] == "day").OrderBy(s => (string?)s["date"], StringComparer.Ordinal).ToList();
        Assert.That(expected.Select(s => (string?)s["id"]), Is.EqualTo(new[] { (string?)other["id"], (string?)day["id"] }));

        var feeds = new[]
        {
            await Get($"/v1/sessions.ics?territory={territory}"),
            await Get($"/v1/sessions?territory={territory}&format=ics"),
            await Get($"/v1/territories/{territory}/sessions", accept: "text/calendar"),
        };
        Assert.That(feeds.Select(f => f.Response.Content.Headers.ContentType?.MediaType), Is.All.EqualTo("text/calendar"));
        Assert.That(feeds.Select(f => f.Text).Distinct().Count(), Is.EqualTo(1), "the three ways to ask give the same calendar");

        var events = Events(Unfold(feeds[0].Text));
        Assert.That(events.Select(e => e["UID"].Value), Is.EqualTo(expected.Select(s => $"{(string?)s["id"]}@observatoire-api")),
            "one event per session known to the day, in date order: month precision and no date are left out");
        for (var i = 0; i < expected.Count; i++)
        {
            var session = expected[i];
            var e = events[i];
            var date = DateOnly.ParseExact((string)session["date"]!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            var updatedAt = ((DateTime)session["updatedAt"]!).ToUniversalTime();
            Assert.Multiple(() =>
            {
                Assert.That(e["DTSTART"].Value, Is.EqualTo(Day((string)session["date"]!)));
                Assert.That(e["DTSTART"].Parameters["VALUE"], Is.EqualTo("DATE"));
                Assert.That(e["DTEND"].Value, Is.EqualTo(date.AddDays(1).ToString("yyyyMMdd", CultureInfo.InvariantCulture)));
                Assert.That(e["DTSTAMP"].Value, Is.EqualTo(updatedAt.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)));
                Assert.That(Unescape(e["SUMMARY"].Value), Is.EqualTo((string?)session["title"]));
            });
        }

        var full = await (await _anonymous.GetAsync($"/v1/sessions/{(string?)day["id"]}")).JsonBody();
        var dayEvent = events[1];
        var description = Unescape(dayEvent["DESCRIPTION"].Value);
        Assert.Multiple(() =>
        {
            Assert.That(dayEvent["SUMMARY"].Value, Does.StartWith(@"Essai \; virgule\, barre \\ oblique"), "TEXT values are escaped");
            Assert.That(Unescape(dayEvent["LOCATION"].Value), Is.EqualTo((string?)full["location"]));
            Assert.That(dayEvent["URL"].Value, Is.EqualTo("https://example.org/compte-rendu?a=1,2"), "the first document that has a URL");
            Assert.That(description.Split('\n'), Has.Length.GreaterThan(1), "escaped line breaks come back");
            Assert.That(description, Does.Contain((string?)full["territory"]!["name"]));
            Assert.That(description, Does.Contain((string?)full["partner"]!["name"]));
            Assert.That(description, Does.Contain("Intervenante Calendrier (maire ; présidente, \\ déléguée)"));
            Assert.That(events[0].ContainsKey("URL"), Is.False, "no document, no URL");
        });
    }

    [Test]
    public async Task Folding_never_splits_a_character_and_unfolds_to_the_original_text()
    {
        var territory = await Records.NewTerritory();
        var request = Records.Session(Records.FreshNumber(), "2020-02-02", territory);
        // Two-, three- and four-octet characters at every position across the fold.
        request["title"] = "é" + string.Concat(Enumerable.Repeat("àé€𝄞 ", 30));
        var created = await Records.Create("sessions", request);

        var (_, text) = await Get($"/v1/sessions.ics?territory={territory}");
        var physical = text.Split("\r\n");
        Assert.Multiple(() =>
        {
            Assert.That(physical.Select(l => Encoding.UTF8.GetByteCount(l)).Max(), Is.LessThanOrEqualTo(75));
            Assert.That(physical.Any(l => l.Contains('\uFFFD')), Is.False);
            Assert.That(physical.Any(l => l.Length > 0 && char.IsHighSurrogate(l[^1])), Is.False, "no surrogate pair is split");
        });
        var summary = Events(Unfold(text)).Single()["SUMMARY"].Value;
        Assert.That(Unescape(summary), Is.EqualTo((string?)created["title"]));
    }

    [Test]
    public async Task Line_breaks_separators_and_control_characters_in_text_are_escaped_and_come_back()
    {
        var territory = await Records.NewTerritory();
        var request = Records.Session(Records.FreshNumber(), "2020-03-03", territory);
        request["title"] = "Ligne un\r\nligne deux\rligne trois\nfin ; point-virgule, virgule \\ barre";
        var created = await Records.Create("sessions", request);
        // The API refuses control characters in bodies (a 400); data stored before that rule may still hold one.
        await TestApi.Database.ScalarAsync<object>("update sessions set location = $1 where id = $2",
            "Salle\u0007du conseil, 2e étage ; bâtiment B", (string)created["id"]!);

        var (_, text) = await Get($"/v1/sessions.ics?territory={territory}");
        var e = Events(Unfold(text)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(e["SUMMARY"].Value, Is.EqualTo(@"Ligne un\nligne deux\nligne trois\nfin \; point-virgule\, virgule \\ barre"),
                "CRLF, CR and LF each become one escaped line break");
            Assert.That(e["LOCATION"].Value, Is.EqualTo(@"Salle du conseil\, 2e étage \; bâtiment B"), "a control character becomes a space");
            Assert.That(Unescape(e["SUMMARY"].Value), Is.EqualTo(((string)created["title"]!).ReplaceLineEndings("\n")));
        });
    }

    [Test]
    public async Task The_feed_takes_the_list_filters_and_names_a_bad_one()
    {
        var (_, text) = await Get("/v1/sessions.ics?from=2019-10-01&to=2019-10-31&sessionFormat=territorial");
        var uids = Events(Unfold(text)).Select(e => e["UID"].Value).ToList();
        Assert.That(uids, Does.Contain("seance-03@observatoire-api"));
        Assert.That(uids, Does.Not.Contain("seance-02@observatoire-api"));

        await (await _anonymous.GetAsync("/v1/sessions.ics?from=someday")).ShouldBeValidationProblem("from");
        await (await _anonymous.GetAsync("/v1/sessions.ics?limit=5")).ShouldBeValidationProblem("limit");
    }
}
