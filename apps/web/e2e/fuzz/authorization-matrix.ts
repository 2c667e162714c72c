import type { BuiltCase } from "./cases.ts";
import { send, type WireRequest } from "./http.ts";
import { type FuzzRecorder, judge } from "./judge.ts";
import type { Ledger } from "./ledger.ts";
import type { OpenApiDocument } from "./schema-arbitraries.ts";
import type { TokenFactory } from "./tokens.ts";

/** One endpoint of the matrix: how to ask it about a report (or about the caller's reports). */
interface MatrixEndpoint {
  name: string;
  request(reportId: string): WireRequest;
  /** What the owner may get (never 401, 403 or 404). */
  ownerStatuses?: readonly number[];
  /** A list: everyone authenticated gets 200, but only the owner's list may name the report. */
  list?: boolean;
  /** Changes the report (a cancel): asked last, by the owner only after everyone else. */
  mutates?: boolean;
}

export interface MatrixRow {
  endpoint: string;
  owner: number;
  other: number[];
  anonymous: number;
}

export interface AuthorizationMatrix {
  /** Endpoints × callers, with the status each got. */
  rows: MatrixRow[];
  /** The report the matrix asked about, and whether it had completed (so a link existed). */
  reportId: string;
  completed: boolean;
  /** Requests the matrix sent. */
  requests: number;
}

const JSON_TYPE = { "content-type": "application/json" };

function trpcGet(procedure: string, input: unknown): WireRequest {
  return {
    method: "GET",
    path: `/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`,
    headers: {},
  };
}

/**
 * The endpoints that read or change one report, or list them: the REST operations the served
 * OpenAPI document has (every path under /reports, so a new operation is in the matrix as
 * soon as it is in the contract) and the tRPC procedures.
 */
function matrixEndpoints(openApi: OpenApiDocument): MatrixEndpoint[] {
  const endpoints: MatrixEndpoint[] = [];
  for (const [path, operations] of Object.entries(openApi.paths)) {
    if (!path.startsWith("/reports")) continue;
    for (const method of Object.keys(operations)) {
      const upper = method.toUpperCase();
      if (path === "/reports/popularity") continue; // creation: below, with another user's key
      if (path === "/reports" && upper === "GET") {
        endpoints.push({
          name: "GET /reports",
          list: true,
          request: () => ({ method: "GET", path: "/reports?limit=100", headers: {} }),
        });
        continue;
      }
      if (!path.includes("{reportId}")) continue;
      endpoints.push({
        name: `${upper} ${path}`,
        mutates: upper !== "GET" && upper !== "HEAD",
        // A file link answers 303; a stream (SSE) 200; a cancel 2xx, or 409 once final.
        ownerStatuses: upper === "GET" ? [200, 303] : [200, 202, 204, 409],
        request: (reportId) => ({ method: upper, path: path.replace("{reportId}", reportId), headers: {} }),
      });
    }
  }
  endpoints.push(
    {
      name: "tRPC reports.get",
      request: (reportId) => trpcGet("reports.get", { reportId }),
      ownerStatuses: [200],
    },
    { name: "tRPC reports.list", list: true, request: () => trpcGet("reports.list", { limit: 100 }) },
    {
      name: "tRPC reportPreviews.get",
      request: (reportId) => trpcGet("reportPreviews.get", { reportId }),
      ownerStatuses: [200],
    },
  );
  return endpoints;
}

/**
 * Every endpoint × the report's owner, other users (one whose id differs only in case) and
 * nobody. Anyone but the owner gets 404 (or a list without the report); nobody gets 401; the
 * owner gets the report. Also: another user sending the owner's Idempotency-Key gets a new
 * report of their own, never the owner's.
 */
export async function runAuthorizationMatrix(options: {
  baseUrl: string;
  openApi: OpenApiDocument;
  tokens: TokenFactory;
  ledger: Ledger;
  recorder: FuzzRecorder;
  owner: string;
  others: string[];
  timeoutMs: number;
  completionTimeoutMs: number;
  log: (line: string) => void;
}): Promise<AuthorizationMatrix> {
  const { baseUrl, tokens, ledger, recorder, owner, others, timeoutMs } = options;
  let requests = 0;
  const as = async (userId: string | undefined, request: WireRequest) => {
    const headers =
      userId === undefined
        ? request.headers
        : { ...request.headers, authorization: `Bearer ${await tokens.valid(userId)}` };
    requests++;
    return send(baseUrl, { ...request, headers }, timeoutMs);
  };
  const check = (
    family: string,
    userId: string | undefined,
    built: BuiltCase,
    response: Awaited<ReturnType<typeof send>>,
  ) => judge({ recorder, ledger, family, callerName: userId ?? "anonymous", userId, built, response });

  // The owner's reports: one to read (small, so it completes fast), one to cancel if the API can.
  const create = async (key: string) => {
    const body = JSON.stringify({ minRatings: 1, limit: 20 });
    const built: BuiltCase = {
      request: {
        method: "POST",
        path: "/reports/popularity",
        headers: { ...JSON_TYPE, "idempotency-key": key },
        body,
      },
      expect: { statuses: [202], hostile: false },
      creates: { api: "rest", body, idempotencyKey: key },
    };
    const response = await as(owner, built.request);
    check("matrix.create", owner, built, response);
    const reportId = (JSON.parse(response.text) as { reportId?: string }).reportId;
    if (response.status !== 202 || !reportId)
      throw new Error(`the matrix could not create its report: ${response.status} ${response.text}`);
    return reportId;
  };
  const reportId = await create(`matrix-read-${owner}`);
  const spareId = await create(`matrix-spare-${owner}`);

  // Wait (bounded) for the report to complete, so the download link and preview exist.
  const deadline = Date.now() + options.completionTimeoutMs;
  let completed = false;
  while (Date.now() < deadline) {
    const response = await as(owner, { method: "GET", path: `/reports/${reportId}`, headers: {} });
    const status = (JSON.parse(response.text) as { status?: string }).status;
    if (status === "Completed") {
      completed = true;
      break;
    }
    if (status === "Failed") break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  options.log(
    `authorization matrix: report ${reportId} ${completed ? "completed" : "did not complete in time"}`,
  );

  const rows: MatrixRow[] = [];
  const endpoints = matrixEndpoints(options.openApi);
  for (const endpoint of endpoints) {
    const target = endpoint.mutates ? spareId : reportId;
    const request = endpoint.request(target);
    const row: MatrixRow = { endpoint: endpoint.name, owner: 0, other: [], anonymous: 0 };
    const anonymous = await as(undefined, request);
    check("matrix.anonymous", undefined, { request, expect: { statuses: [401], hostile: true } }, anonymous);
    row.anonymous = anonymous.status;
    for (const other of others) {
      const response = await as(other, request);
      check(
        "matrix.other-user",
        other,
        {
          request,
          expect: endpoint.list ? { statuses: [200], hostile: false } : { statuses: [404], hostile: true },
        },
        response,
      );
      row.other.push(response.status);
    }
    const response = await as(owner, request);
    check(
      "matrix.owner",
      owner,
      { request, expect: { statuses: endpoint.ownerStatuses ?? [200], hostile: false } },
      response,
    );
    if (endpoint.list || !endpoint.mutates) {
      const named = response.text.includes(target);
      if (!named && !(endpoint.name.includes("Previews") && !completed)) {
        recorder.add("unexpected", {
          family: "matrix.owner",
          caller: owner,
          method: request.method,
          path: request.path,
          status: response.status,
          why: `the owner's answer does not name ${target}`,
          body: response.text.slice(0, 300),
        });
      }
    }
    row.owner = response.status;
    rows.push(row);
  }

  // Another user sending the owner's Idempotency-Key: a report of their own, never the owner's.
  for (const api of ["rest", "trpc"] as const) {
    const other = others[0]!;
    const key = `matrix-read-${owner}`;
    const body =
      api === "rest"
        ? JSON.stringify({ minRatings: 1, limit: 20 })
        : JSON.stringify({
            kind: "popularity",
            parameters: { minRatings: 1, limit: 20 },
            idempotencyKey: key,
          });
    const built: BuiltCase = {
      request:
        api === "rest"
          ? {
              method: "POST",
              path: "/reports/popularity",
              headers: { ...JSON_TYPE, "idempotency-key": key },
              body,
            }
          : { method: "POST", path: "/api/trpc/reports.request", headers: JSON_TYPE, body },
      expect: { statuses: api === "rest" ? [202, 429] : [200, 429], hostile: false },
      creates: { api, body, idempotencyKey: key },
    };
    const response = await as(other, built.request);
    check("matrix.other-user-key", other, built, response);
    rows.push({
      endpoint: `${api === "rest" ? "POST /reports/popularity" : "tRPC reports.request"} with the owner's Idempotency-Key`,
      owner: 0,
      other: [response.status],
      anonymous: 0,
    });
  }

  return { rows, reportId, completed, requests };
}
