import { join, resolve } from "node:path";
import { lintFromString, loadConfig } from "@redocly/openapi-core";
import { describe, expect, it } from "vitest";
import { createOpenApiDocument } from "./openapi.ts";

type Json = Record<string, unknown>;

function collectRefs(node: unknown, refs: Set<string> = new Set()): Set<string> {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, refs);
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") refs.add(value);
      else collectRefs(value, refs);
    }
  }
  return refs;
}

describe("createOpenApiDocument", () => {
  const document = createOpenApiDocument();
  const json = JSON.parse(JSON.stringify(document)) as Json & {
    paths: Record<string, Record<string, Json & { responses: Record<string, Json> }>>;
    components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
  };

  it("is an OpenAPI 3.1.0 document with the bearer scheme", () => {
    expect(json.openapi).toBe("3.1.0");
    expect(json.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(json.security).toEqual([{ bearerAuth: [] }]);
  });

  it("describes every path and operation of the REST contract", () => {
    expect(Object.keys(json.paths).sort()).toEqual(
      [
        "/healthz",
        "/reports",
        "/reports/popularity",
        "/reports/{reportId}",
        "/admin/api/pipeline",
        "/admin/api/history",
        "/admin/api/reports",
        "/admin/api/reports/{reportId}",
        "/admin/api/reports/{reportId}/cancel",
        "/admin/api/reports/{reportId}/retry",
        "/admin/api/dead-letters",
        "/admin/api/dead-letters/{deadLetterId}",
        "/admin/api/dead-letters/{deadLetterId}/redrive",
        "/schedules",
        "/schedules/{scheduleId}",
        "/schedules/{scheduleId}/pause",
        "/schedules/{scheduleId}/resume",
      ].sort(),
    );
    expect(Object.keys(json.paths["/schedules"]!).sort()).toEqual(["get", "post"]);
    expect(Object.keys(json.paths["/schedules/{scheduleId}"]!).sort()).toEqual(["delete", "get", "patch"]);
    expect(Object.keys(json.paths["/reports/popularity"]!)).toEqual(["post"]);
    expect(Object.keys(json.paths["/reports/{reportId}"]!)).toEqual(["get"]);
    expect(Object.keys(json.paths["/reports"]!)).toEqual(["get"]);
    expect(Object.keys(json.paths["/healthz"]!)).toEqual(["get"]);
    // Every operator route documents the 403 of a caller without the admin role.
    for (const [path, item] of Object.entries(json.paths).filter(([path]) => path.startsWith("/admin/"))) {
      for (const operation of Object.values(item as Record<string, { responses: Json }>)) {
        expect(Object.keys(operation.responses), path).toContain("403");
      }
    }
  });

  it("answers the request with 202, Location and Retry-After, and the documented errors", () => {
    const post = json.paths["/reports/popularity"]!.post!;
    expect(Object.keys(post.responses).sort()).toEqual(["202", "400", "401", "409", "503"]);
    expect(Object.keys(post.responses["202"]!.headers as Json).sort()).toEqual(["Location", "Retry-After"]);
    expect(post.responses["503"]!.headers).toHaveProperty("Retry-After");
    expect(post.responses["400"]!.content).toEqual({
      "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } },
    });
    const headers = (post.parameters as Array<{ name: string; in: string }>).map((p) => `${p.in}:${p.name}`);
    expect(headers).toContain("header:Idempotency-Key");
  });

  it("takes the report id as a UUID path parameter and the page cursor as query parameters", () => {
    const get = json.paths["/reports/{reportId}"]!.get!;
    expect(get.parameters).toEqual([
      expect.objectContaining({
        in: "path",
        name: "reportId",
        required: true,
        schema: expect.objectContaining({ format: "uuid" }),
      }),
    ]);
    expect(Object.keys(get.responses).sort()).toEqual(["200", "400", "401", "404", "503"]);
    const list = json.paths["/reports"]!.get!;
    expect((list.parameters as Array<{ name: string }>).map((p) => p.name).sort()).toEqual([
      "cursor",
      "limit",
    ]);
  });

  it("leaves health open and references only defined schemas", () => {
    expect(json.paths["/healthz"]!.get!.security).toEqual([]);
    const refs = collectRefs(json);
    expect(refs.size).toBeGreaterThan(0);
    for (const ref of refs) {
      const name = ref.replace("#/components/schemas/", "");
      expect(json.components.schemas, ref).toHaveProperty(name);
    }
    for (const name of ["Report", "ReportAccepted", "ReportPage", "Problem", "PopularityReportParameters"]) {
      expect(json.components.schemas).toHaveProperty(name);
    }
  });

  it("carries the parameter constraints of the zod contract", () => {
    const parameters = json.components.schemas.PopularityReportParameters as {
      properties: Record<string, Json>;
      additionalProperties?: boolean;
    };
    expect(Object.keys(parameters.properties).sort()).toEqual(["from", "genre", "limit", "minRatings", "to"]);
    expect(parameters.properties.minRatings).toMatchObject({ type: "integer", minimum: 1, default: 10 });
    expect(parameters.properties.from).toMatchObject({ type: "string", format: "date" });
    expect(parameters.additionalProperties).toBe(false);
  });

  it("passes Redocly's recommended rules without a warning", async () => {
    // In-process what `redocly lint openapi.json` does in packages/contracts: the rules of its
    // redocly.yaml, minus the accepted exceptions of its .redocly.lint-ignore.yaml.
    const dir = resolve(import.meta.dirname, "..");
    const config = await loadConfig({ configPath: join(dir, "redocly.yaml") });
    const problems = await lintFromString({
      source: JSON.stringify(document, null, 2),
      absoluteRef: join(dir, "openapi.json"),
      config,
    });
    const described = problems
      .filter((problem) => !problem.ignored)
      .map(
        (problem) =>
          `${problem.severity} ${problem.ruleId} at ${problem.location[0]?.pointer ?? "?"}: ${problem.message}`,
      );
    expect(described).toEqual([]);
    // Each accepted exception still matches something (a stale one would hide a future problem).
    const ignored = problems
      .filter((problem) => problem.ignored)
      .map((problem) => `${problem.ruleId} at ${problem.location[0]?.pointer}`);
    expect(ignored).toEqual(["operation-4xx-response at #/paths/~1healthz/get/responses"]);
  });
});
