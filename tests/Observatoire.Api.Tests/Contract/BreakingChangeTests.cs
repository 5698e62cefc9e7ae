using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Observatoire.Api.Tests.Contract;

/// <summary>
/// The breaking-change checker on pairs of small documents: each breaking kind is reported with its operation and
/// field, and compatible changes are not. Pure: no database, no web host.
/// </summary>
public sealed class BreakingChangeTests
{
    private const string Header = """
        openapi: 3.1.1
        info:
          title: Contract test
          version: 1.0.0

        """;

    public static OpenApiDocument Parse(string yaml)
    {
        var settings = new OpenApiReaderSettings();
        settings.AddYamlReader();
        var result = OpenApiDocument.Parse(yaml, "yaml", settings);
        Assert.That(result.Diagnostic?.Errors, Is.Empty, string.Join("\n", result.Diagnostic?.Errors.Select(e => e.ToString()) ?? []));
        return result.Document ?? throw new AssertionException("The document did not parse.");
    }

    private static IReadOnlyList<string> Changes(string released, string current) =>
        BreakingChanges.Find(Parse(Header + released), Parse(Header + current));

    // A list operation over a page of Thing, used by several tests below.
    private const string ThingsPaths = """
        paths:
          /things:
            get:
              operationId: listThings
              parameters:
                - name: limit
                  in: query
                  schema: { type: integer, format: int32 }
              responses:
                '200':
                  description: ok
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/ThingPage' }
                '400':
                  description: bad
        """;

    private static string Things(string thing) => ThingsPaths + "\n" + $$"""
        components:
          schemas:
            ThingPage:
              type: object
              required: [items]
              properties:
                items:
                  type: array
                  items: { $ref: '#/components/schemas/Thing' }
            Thing:
        {{Indent(thing, 6)}}
        """;

    private static string Indent(string text, int spaces) =>
        string.Join("\n", text.Split('\n').Select(line => new string(' ', spaces) + line));

    private static string Create(string body, string extra = "") => $$"""
        paths:
          /things:
            post:
              operationId: createThing
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
        {{Indent(body, 14)}}
              responses:
                '201':
                  description: created
                '400':
                  description: bad
        {{extra}}
        """;

    // ----- breaking changes -----

    [Test]
    public void A_removed_operation_is_reported()
    {
        var released = """
            paths:
              /things:
                get:
                  operationId: listThings
                  responses: { '200': { description: ok } }
                post:
                  operationId: createThing
                  responses: { '201': { description: created } }
            """;
        var current = """
            paths:
              /things:
                get:
                  operationId: listThings
                  responses: { '200': { description: ok } }
            """;
        Assert.That(Changes(released, current), Is.EqualTo(new[] { "POST /things: operation removed" }));
    }

    [Test]
    public void A_changed_or_removed_operation_id_is_reported()
    {
        var released = """
            paths:
              /things:
                get:
                  operationId: listThings
                  responses: { '200': { description: ok } }
                post:
                  operationId: createThing
                  responses: { '201': { description: created } }
            """;
        var current = """
            paths:
              /things:
                get:
                  operationId: getThings
                  responses: { '200': { description: ok } }
                post:
                  responses: { '201': { description: created } }
            """;
        Assert.That(Changes(released, current), Is.EqualTo(new[]
        {
            "GET /things: operationId 'listThings' changed to 'getThings'",
            "POST /things: operationId 'createThing' removed",
        }));
    }

    [Test]
    public void A_removed_path_is_reported()
    {
        var released = """
            paths:
              /things:
                get:
                  responses: { '200': { description: ok } }
              /things/{id}:
                get:
                  parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
                  responses: { '200': { description: ok } }
                delete:
                  parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
                  responses: { '204': { description: gone } }
            """;
        var current = """
            paths:
              /things:
                get:
                  responses: { '200': { description: ok } }
            """;
        Assert.That(Changes(released, current), Is.EqualTo(new[] { "/things/{id}: path removed (GET, DELETE)" }));
    }

    [Test]
    public void A_removed_parameter_is_reported()
    {
        var current = ThingsPaths.Replace("name: limit", "name: cursor");
        Assert.That(Changes(ThingsPaths, current), Is.EqualTo(new[] { "GET /things: query parameter 'limit' removed" }));
    }

    [Test]
    public void A_parameter_that_becomes_required_is_reported()
    {
        var current = ThingsPaths.Replace("in: query\n", "in: query\n          required: true\n");
        Assert.That(current, Does.Contain("required: true"));
        Assert.That(Changes(ThingsPaths, current), Is.EqualTo(new[] { "GET /things: query parameter 'limit' became required" }));
    }

    [Test]
    public void A_new_required_parameter_is_reported()
    {
        var released = """
            paths:
              /things:
                get:
                  responses: { '200': { description: ok } }
            """;
        var current = """
            paths:
              /things:
                get:
                  parameters:
                    - { name: phase, in: query, required: true, schema: { type: string } }
                    - { name: X-Tenant, in: header, required: true, schema: { type: string } }
                  responses: { '200': { description: ok } }
            """;
        Assert.That(Changes(released, current), Is.EqualTo(new[]
        {
            "GET /things: new required query parameter 'phase'",
            "GET /things: new required header parameter 'X-Tenant'",
        }));
    }

    [Test]
    public void A_removed_response_property_is_reported_through_references_and_arrays()
    {
        var released = Things("""
            type: object
            required: [id, name]
            properties:
              id: { type: string }
              name: { type: string }
            """);
        var current = Things("""
            type: object
            required: [id]
            properties:
              id: { type: string }
            """);
        Assert.That(Changes(released, current), Is.EqualTo(new[] { "GET /things: response 200 application/json: property 'items[].name' removed" }));
    }

    [Test]
    public void A_required_response_property_that_becomes_optional_is_reported()
    {
        var released = Things("""
            type: object
            required: [id, name]
            properties:
              id: { type: string }
              name: { type: string }
            """);
        var current = Things("""
            type: object
            required: [id]
            properties:
              id: { type: string }
              name: { type: string }
            """);
        Assert.That(Changes(released, current), Is.EqualTo(new[] { "GET /things: response 200 application/json: property 'items[].name' is no longer required" }));
    }

    [Test]
    public void A_response_property_that_becomes_nullable_is_reported()
    {
        var released = Things("""
            type: object
            properties:
              name: { type: string }
              size: { type: integer }
            """);
        var current = Things("""
            type: object
            properties:
              name: { type: [string, 'null'] }
              size:
                oneOf:
                  - { type: 'null' }
                  - { type: integer }
            """);
        Assert.That(Changes(released, current), Is.EqualTo(new[]
        {
            "GET /things: response 200 application/json: property 'items[].name' became nullable",
            "GET /things: response 200 application/json: property 'items[].size' became nullable",
        }));
    }

    [Test]
    public void A_new_required_request_property_is_reported()
    {
        var released = Create("""
            type: object
            required: [name]
            properties:
              name: { type: string }
            """);
        var current = Create("""
            type: object
            required: [name, phase]
            properties:
              name: { type: string }
              phase: { type: string }
            """);
        Assert.That(Changes(released, current), Is.EqualTo(new[] { "POST /things: request body application/json: property 'phase' is new and required" }));
    }

    [Test]
    public void An_optional_request_property_that_becomes_required_is_reported()
    {
        var released = Create("""
            type: object
            properties:
              name: { type: string }
              point:
                type: object
                properties:
                  latitude: { type: number }
            """);
        var current = Create("""
            type: object
            properties:
              name: { type: string }
              point:
                type: object
                required: [latitude]
                properties:
                  latitude: { type: number }
            """);
        Assert.That(Changes(released, current), Is.EqualTo(new[] { "POST /things: request body application/json: property 'point.latitude' became required" }));
    }

    [Test]
    public void A_changed_type_is_reported_in_requests_and_responses()
    {
        var released = Things("""
            type: object
            properties:
              code: { type: string }
            """).Replace("format: int32 }\n", "format: int32 }\n        - { name: phase, in: query, schema: { type: string } }\n");
        var current = Things("""
            type: object
            properties:
              code: { type: integer }
            """).Replace("format: int32 }\n", "format: int32 }\n        - { name: phase, in: query, schema: { type: integer } }\n");
        Assert.That(Changes(released, current), Is.EqualTo(new[]
        {
            "GET /things: query parameter 'phase': type changed from string to integer",
            "GET /things: response 200 application/json: property 'items[].code' type changed from string to integer",
        }));
    }

    [Test]
    public void A_number_that_becomes_an_integer_is_reported_in_a_request_but_not_in_a_response()
    {
        var released = Create("""
            type: object
            properties:
              latitude: { type: number, format: double }
            """, """
              /points:
                get:
                  responses:
                    '200':
                      description: ok
                      content:
                        application/json:
                          schema:
                            type: object
                            properties:
                              latitude: { type: number }
            """);
        var current = released.Replace("type: number, format: double", "type: integer").Replace("latitude: { type: number }", "latitude: { type: integer }");
        Assert.That(Changes(released, current), Is.EqualTo(new[] { "POST /things: request body application/json: property 'latitude' type changed from number to integer" }));
    }

    [Test]
    public void A_narrowed_format_is_reported()
    {
        var current = ThingsPaths.Replace("format: int32", "format: int64");
        Assert.That(Changes(current, ThingsPaths), Is.EqualTo(new[] { "GET /things: query parameter 'limit': format changed from int64 to int32" }));
        // int32 to int64 in a request parameter widens what the server accepts.
        Assert.That(Changes(ThingsPaths, current), Is.Empty);

        var released = Things("""
            type: object
            properties:
              createdAt: { type: string, format: date-time }
              version: { type: integer, format: int32 }
            """);
        var widened = Things("""
            type: object
            properties:
              createdAt: { type: string }
              version: { type: integer, format: int64 }
            """);
        Assert.That(Changes(released, widened), Is.EqualTo(new[]
        {
            "GET /things: response 200 application/json: property 'items[].createdAt' format changed from date-time to (none)",
            "GET /things: response 200 application/json: property 'items[].version' format changed from int32 to int64",
        }));
    }

    [Test]
    public void A_value_removed_from_a_request_enum_is_reported()
    {
        var released = Create("""
            type: object
            properties:
              phase: { type: string, enum: [2018-2022, 2023-2027] }
            """);
        var current = Create("""
            type: object
            properties:
              phase: { type: string, enum: [2023-2027] }
            """);
        Assert.That(Changes(released, current), Is.EqualTo(new[] { "POST /things: request body application/json: property 'phase' enum value \"2018-2022\" removed" }));
    }

    [Test]
    public void A_value_added_to_a_response_enum_is_reported()
    {
        var released = Things("""
            type: object
            properties:
              phase: { type: string, enum: [2018-2022, 2023-2027] }
            """);
        var current = Things("""
            type: object
            properties:
              phase: { type: string, enum: [2018-2022, 2023-2027, 2028-2032] }
            """);
        Assert.That(Changes(released, current), Is.EqualTo(new[] { "GET /things: response 200 application/json: property 'items[].phase' enum value \"2028-2032\" added" }));
        // Removing a value from a response enum: clients still know every value they can get.
        Assert.That(Changes(current, released), Is.Empty);
    }

    [Test]
    public void A_removed_success_status_is_reported()
    {
        var current = ThingsPaths.Replace("'200':", "'206':");
        Assert.That(Changes(ThingsPaths, current), Is.EqualTo(new[] { "GET /things: success response 200 removed" }));
        // A removed error status is not: the client simply never gets it.
        Assert.That(Changes(ThingsPaths, ThingsPaths.Replace("'400':", "'422':")), Is.Empty);
    }

    [Test]
    public void A_removed_media_type_is_reported_in_requests_and_responses()
    {
        var released = """
            paths:
              /things:
                post:
                  requestBody:
                    content:
                      application/json: { schema: { type: object } }
                      application/x-www-form-urlencoded: { schema: { type: object } }
                  responses:
                    '201':
                      description: created
                      content:
                        application/json: { schema: { type: object } }
                        text/csv: { schema: { type: string } }
            """;
        var current = """
            paths:
              /things:
                post:
                  requestBody:
                    content:
                      application/json: { schema: { type: object } }
                  responses:
                    '201':
                      description: created
                      content:
                        application/json: { schema: { type: object } }
            """;
        Assert.That(Changes(released, current), Is.EqualTo(new[]
        {
            "POST /things: request body: media type 'application/x-www-form-urlencoded' removed",
            "POST /things: response 201: media type 'text/csv' removed",
        }));
    }

    [Test]
    public void Schemas_are_walked_through_all_of_one_of_and_additional_properties()
    {
        var released = """
            paths:
              /things/{id}:
                get:
                  parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
                  responses:
                    '200':
                      description: ok
                      content:
                        application/json:
                          schema: { $ref: '#/components/schemas/Thing' }
            components:
              schemas:
                Thing:
                  allOf:
                    - $ref: '#/components/schemas/Named'
                    - type: object
                      properties:
                        tags:
                          type: object
                          additionalProperties:
                            type: object
                            required: [label]
                            properties:
                              label: { type: string }
                        shape:
                          oneOf:
                            - $ref: '#/components/schemas/Circle'
                            - { type: object, properties: { side: { type: number } } }
                Named:
                  type: object
                  required: [name]
                  properties:
                    name: { type: string }
                Circle:
                  type: object
                  properties:
                    radius: { type: number }
            """;
        var current = released
            .Replace("required: [name]", "required: []")
            .Replace("required: [label]", "required: []")
            .Replace("radius: { type: number }", "radius: { type: string }");
        Assert.That(Changes(released, current), Is.EqualTo(new[]
        {
            "GET /things/{id}: response 200 application/json: property 'name' is no longer required",
            "GET /things/{id}: response 200 application/json: property 'tags{}.label' is no longer required",
            "GET /things/{id}: response 200 application/json: property 'shape(oneOf #1).radius' type changed from number to string",
        }));
    }

    [Test]
    public void A_response_alternative_added_and_a_request_alternative_removed_are_reported()
    {
        var released = """
            paths:
              /shapes:
                post:
                  requestBody:
                    content:
                      application/json:
                        schema:
                          oneOf:
                            - $ref: '#/components/schemas/Circle'
                            - $ref: '#/components/schemas/Square'
                  responses: { '201': { description: created } }
                get:
                  responses:
                    '200':
                      description: ok
                      content:
                        application/json:
                          schema:
                            oneOf:
                              - $ref: '#/components/schemas/Circle'
            components:
              schemas:
                Circle: { type: object, properties: { radius: { type: number } } }
                Square: { type: object, properties: { side: { type: number } } }
            """;
        var current = """
            paths:
              /shapes:
                post:
                  requestBody:
                    content:
                      application/json:
                        schema:
                          oneOf:
                            - $ref: '#/components/schemas/Circle'
                  responses: { '201': { description: created } }
                get:
                  responses:
                    '200':
                      description: ok
                      content:
                        application/json:
                          schema:
                            oneOf:
                              - $ref: '#/components/schemas/Circle'
                              - $ref: '#/components/schemas/Square'
            components:
              schemas:
                Circle: { type: object, properties: { radius: { type: number } } }
                Square: { type: object, properties: { side: { type: number } } }
            """;
        Assert.That(Changes(released, current), Is.EqualTo(new[]
        {
            "POST /shapes: request body application/json: oneOf alternative #2 removed",
            "GET /shapes: response 200 application/json: oneOf alternative Square added",
        }));
    }

    [Test]
    public void Recursive_schemas_are_compared_without_looping()
    {
        var released = Things("""
            type: object
            required: [name]
            properties:
              name: { type: string }
              parent: { $ref: '#/components/schemas/Thing' }
              children:
                type: array
                items: { $ref: '#/components/schemas/Thing' }
            """);
        var current = released.Replace("required: [name]", "required: []");
        Assert.That(Changes(released, current), Is.EqualTo(new[] { "GET /things: response 200 application/json: property 'items[].name' is no longer required" }));
        Assert.That(Changes(released, released), Is.Empty);
    }

    [Test]
    public void A_security_requirement_on_an_open_operation_is_reported()
    {
        var released = ThingsPaths + "\n" + """
            components:
              securitySchemes:
                ApiKey: { type: apiKey, in: header, name: X-Api-Key }
            """;
        var current = released.Replace("operationId: listThings", "operationId: listThings\n      security: [{ ApiKey: [] }]");
        Assert.That(Changes(released, current), Is.EqualTo(new[] { "GET /things: now requires authentication" }));
    }

    // ----- compatible changes -----

    [Test]
    public void A_new_optional_request_property_is_not_reported()
    {
        var released = Create("""
            type: object
            required: [name]
            properties:
              name: { type: string }
            """);
        var current = Create("""
            type: object
            required: [name]
            properties:
              name: { type: string }
              population: { type: integer }
            """);
        Assert.That(Changes(released, current), Is.Empty);
    }

    [Test]
    public void A_new_response_property_is_not_reported()
    {
        var released = Things("""
            type: object
            required: [id]
            properties:
              id: { type: string }
            """);
        var current = Things("""
            type: object
            required: [id, name]
            properties:
              id: { type: string }
              name: { type: string }
              population: { type: [integer, 'null'] }
            """);
        Assert.That(Changes(released, current), Is.Empty);
    }

    [Test]
    public void A_new_operation_and_a_new_path_are_not_reported()
    {
        var current = ThingsPaths.Replace("  /things:\n", """
              /things/{id}:
                get:
                  operationId: getThing
                  parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
                  responses: { '200': { description: ok }, '404': { description: none } }
              /things:
                post:
                  operationId: createThing
                  responses: { '201': { description: created }, '400': { description: bad } }

            """);
        Assert.That(current, Does.Contain("getThing").And.Contain("createThing"));
        Assert.That(Changes(ThingsPaths, current), Is.Empty);
    }

    [Test]
    public void A_new_optional_parameter_is_not_reported()
    {
        var current = ThingsPaths.Replace("format: int32 }\n", "format: int32 }\n        - { name: cursor, in: query, schema: { type: string } }\n");
        Assert.That(current, Does.Contain("cursor"));
        Assert.That(Changes(ThingsPaths, current), Is.Empty);
    }

    [Test]
    public void A_value_added_to_a_request_enum_is_not_reported()
    {
        var released = Create("""
            type: object
            properties:
              phase: { type: string, enum: [2018-2022, 2023-2027] }
            """);
        var current = Create("""
            type: object
            properties:
              phase: { type: string, enum: [2018-2022, 2023-2027, 2028-2032] }
            """);
        Assert.That(Changes(released, current), Is.Empty);
    }

    [Test]
    public void A_renamed_path_parameter_and_a_widened_request_are_not_reported()
    {
        var released = Create("""
            type: object
            required: [name]
            properties:
              name: { type: string }
              size: { type: integer, format: int32 }
            """).Replace("/things:", "/things/{id}:").Replace("operationId: createThing", "operationId: createThing\n      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]");
        var current = released
            .Replace("{id}", "{thingId}").Replace("name: id,", "name: thingId,")
            .Replace("required: [name]", "required: []")
            .Replace("size: { type: integer, format: int32 }", "size: { type: [number, 'null'] }");
        Assert.That(current, Does.Contain("{thingId}"));
        Assert.That(Changes(released, current), Is.Empty);
    }

    [Test]
    public void The_committed_contract_has_no_breaking_change_against_itself()
    {
        var text = File.ReadAllText(OpenApiDocumentTests.RepositoryFile("openapi.yaml"));
        Assert.That(BreakingChanges.Find(Parse(text), Parse(text)), Is.Empty);
    }
}
