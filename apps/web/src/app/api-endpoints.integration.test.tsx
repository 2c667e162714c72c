import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDeps } from "../server/deps.ts";
import { BASE_URL, tokenFor, useTestDeps } from "../test/web-deps.ts";
import { GET as trpcGet, POST as trpcPost } from "./api/trpc/[trpc]/route.ts";
import { ApiDocs } from "./docs/api-docs.tsx";
import { GET as openApi } from "./openapi.json/route.ts";

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase({ name: "web_endpoints" });
  useTestDeps(testDb.db);
});

afterAll(async () => {
  setDeps(undefined);
  await testDb?.drop();
});

describe("tRPC endpoint", () => {
  it("requests and lists reports with the bearer token of the caller", async () => {
    const authorization = `Bearer ${await tokenFor("trpc-user")}`;
    const mutation = await trpcPost(
      new Request(`${BASE_URL}/api/trpc/reports.request`, {
        method: "POST",
        headers: { authorization, "content-type": "application/json" },
        body: JSON.stringify({ kind: "popularity", parameters: { limit: 3 } }),
      }),
    );
    expect(mutation.status).toBe(200);
    const { result } = (await mutation.json()) as { result: { data: { report: { reportId: string } } } };
    const query = await trpcGet(
      new Request(`${BASE_URL}/api/trpc/reports.list`, { headers: { authorization } }),
    );
    expect(query.status).toBe(200);
    const listed = (await query.json()) as { result: { data: { items: Array<{ reportId: string }> } } };
    expect(listed.result.data.items.map((item) => item.reportId)).toEqual([result.data.report.reportId]);
  });

  it("answers 401 without a token", async () => {
    const response = await trpcGet(new Request(`${BASE_URL}/api/trpc/reports.list`));
    expect(response.status).toBe(401);
  });
});

describe("API documentation", () => {
  it("serves the OpenAPI 3.1 document", async () => {
    const response = openApi();
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths)).toContain("/reports/popularity");
  });

  it("renders every operation and schema as plain HTML without scripts", () => {
    const html = renderToStaticMarkup(<ApiDocs origin="http://127.0.0.1:4300" />);
    for (const text of [
      "/reports/popularity",
      "/reports/{reportId}",
      "/healthz",
      "Idempotency-Key",
      "ReportPage",
    ]) {
      expect(html).toContain(text);
    }
    expect(html).not.toContain("<script");
  });

  it("shows its examples for the origin it is served from", () => {
    const html = renderToStaticMarkup(<ApiDocs origin="http://127.0.0.1:4300" />);
    expect(html).toContain("curl -i -X POST http://127.0.0.1:4300/reports/popularity");
    expect(html).toContain("curl -s http://127.0.0.1:4300/reports/&lt;id&gt;");
    expect(html).not.toContain("localhost:3000");
  });

  it("renders the descriptions' Markdown: code spans, not raw backticks", () => {
    const html = renderToStaticMarkup(<ApiDocs origin="http://127.0.0.1:4300" />);
    expect(html).toContain("poll the URL in <code>Location</code>");
    expect(html).toContain("<code>downloadUrl</code>");
    // Backticks are left only in the shell examples of the quick start.
    const outsideExamples = html.replace(/<pre>[\s\S]*?<\/pre>/g, "");
    expect(outsideExamples).not.toContain("`");
  });
});
