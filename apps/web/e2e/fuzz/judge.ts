import type { BuiltCase } from "./cases.ts";
import type { WireResponse } from "./http.ts";
import { type Ledger, uuidsIn } from "./ledger.ts";

/** One answer that broke a rule, with enough to reproduce it. */
export interface Finding {
  family: string;
  caller: string;
  method: string;
  path: string;
  status: number;
  why: string;
  /** The start of the answer's body. */
  body: string;
}

const MAX_FINDINGS = 200;
const SAMPLES_PER_KIND = 3;

function isApiPath(path: string): "rest" | "trpc" | undefined {
  if (path.startsWith("/api/trpc/")) return "trpc";
  if (path === "/reports" || path.startsWith("/reports/") || path.startsWith("/reports?")) return "rest";
  return undefined;
}

/** The ids of the reports a creating request's 2xx answer names (a tRPC batch names several). */
function createdReportIds(api: "rest" | "trpc", response: WireResponse): string[] {
  try {
    const body = JSON.parse(response.text) as unknown;
    if (api === "rest") {
      const reportId = (body as { reportId?: unknown }).reportId;
      return typeof reportId === "string" ? [reportId] : [];
    }
    return (Array.isArray(body) ? body : [body]).flatMap((item) => {
      const reportId = (item as { result?: { data?: { report?: { reportId?: unknown } } } }).result?.data
        ?.report?.reportId;
      return typeof reportId === "string" ? [reportId] : [];
    });
  } catch {
    return [];
  }
}

/** A REST error is problem+json; a tRPC error is a JSON body with `error`. */
function errorBodyProblem(path: string, response: WireResponse): string | undefined {
  if (response.status < 400 || response.status === 0) return undefined;
  const api = isApiPath(path);
  if (api === "rest") {
    const type = response.headers.get("content-type") ?? "";
    if (!type.startsWith("application/problem+json"))
      return `a ${response.status} without a problem+json body (${type || "no content type"})`;
    try {
      const problem = JSON.parse(response.text) as { status?: unknown; title?: unknown };
      if (problem.status !== response.status || typeof problem.title !== "string")
        return "a problem body whose status or title is wrong";
    } catch {
      return "a problem body that is not JSON";
    }
  } else if (api === "trpc") {
    try {
      const body = JSON.parse(response.text) as unknown;
      const items = Array.isArray(body) ? body : [body];
      if (!items.some((item) => item && typeof item === "object" && "error" in item))
        return "a tRPC error answer without `error`";
    } catch {
      return "a tRPC error answer that is not JSON";
    }
  }
  return undefined;
}

/** What the recorder tallies: every answer by status and family, and samples of each finding. */
export interface RecordedFigures {
  requests: number;
  byStatus: Record<string, number>;
  byFamily: Record<string, { requests: number; statuses: Record<string, number> }>;
  /** Answers ≥ 500. */
  serverErrors: Finding[];
  /** Hostile requests answered 2xx (or signed in). */
  hostileAccepted: Finding[];
  /** Answers that named a report of someone other than the caller. */
  crossUserReads: Finding[];
  /** Answers outside what the request's family allows (wrong 4xx, missing problem body...). */
  unexpected: Finding[];
}

export class FuzzRecorder {
  readonly figures: RecordedFigures;

  constructor() {
    this.figures = {
      requests: 0,
      byStatus: {},
      byFamily: {},
      serverErrors: [],
      hostileAccepted: [],
      crossUserReads: [],
      unexpected: [],
    };
  }

  count(family: string, status: number): void {
    this.figures.requests++;
    this.figures.byStatus[status] = (this.figures.byStatus[status] ?? 0) + 1;
    const entry = this.figures.byFamily[family] ?? { requests: 0, statuses: {} };
    this.figures.byFamily[family] = entry;
    entry.requests++;
    entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
  }

  private readonly samples = new Map<string, number>();

  add(list: "serverErrors" | "hostileAccepted" | "crossUserReads" | "unexpected", finding: Finding): void {
    this.totals[list]++;
    // A few samples of each kind of finding (family, status, reason), so one frequent
    // defect does not hide the others; the totals count every one.
    const kind = `${list}|${finding.family}|${finding.status}|${finding.why.slice(0, 40)}`;
    const seen = this.samples.get(kind) ?? 0;
    if (seen >= SAMPLES_PER_KIND || this.figures[list].length >= MAX_FINDINGS) return;
    this.samples.set(kind, seen + 1);
    this.figures[list].push(finding);
  }

  readonly totals = { serverErrors: 0, hostileAccepted: 0, crossUserReads: 0, unexpected: 0 };
}

/**
 * Checks one answer against the rules every answer obeys (no 5xx; no hostile request
 * accepted; no report of anyone else named in a success) and the case's own expectation,
 * and records what a creating request created.
 */
export function judge(options: {
  recorder: FuzzRecorder;
  ledger: Ledger;
  family: string;
  callerName: string;
  /** The user id of the caller, or undefined for anonymous and bad tokens. */
  userId: string | undefined;
  built: BuiltCase;
  response: WireResponse;
}): void {
  const { recorder, ledger, family, callerName, userId, built, response } = options;
  const { request, expect } = built;
  const finding = (why: string): Finding => ({
    family,
    caller: callerName,
    method: request.method,
    path: request.path.length > 200 ? `${request.path.slice(0, 200)}…` : request.path,
    status: response.status,
    why,
    body: response.text.slice(0, 300),
  });
  recorder.count(family, response.status);
  if (response.status >= 500) recorder.add("serverErrors", finding("5xx"));
  const success = response.status >= 200 && response.status < 300;
  if (expect.hostile && success) recorder.add("hostileAccepted", finding("a hostile request was accepted"));
  if (expect.noCookie && /reports_session=[^;]/.test(response.headers.get("set-cookie") ?? "")) {
    recorder.add("hostileAccepted", finding("an invalid sign-in set a session cookie"));
  }
  if (expect.statuses && !expect.statuses.includes(response.status)) {
    recorder.add("unexpected", finding(`expected ${expect.statuses.join(" or ")}`));
  } else if (response.status < 500 && !expect.bareAnswer) {
    const problem = errorBodyProblem(request.path, response);
    if (problem) recorder.add("unexpected", finding(problem));
  }
  if (success || (response.status >= 300 && response.status < 400)) {
    const text = `${response.headers.get("location") ?? ""}\n${response.text}`;
    for (const id of new Set(uuidsIn(text))) {
      const owner = ledger.ownerOf(id);
      if (owner !== undefined && owner !== userId) {
        recorder.add("crossUserReads", finding(`named report ${id} of ${owner}`));
      }
    }
  }
  if (built.creates && success && userId !== undefined) {
    const reportIds = createdReportIds(built.creates.api, response);
    if (reportIds.length === 0) {
      recorder.add("unexpected", finding("a 2xx answer to a report request without a report id"));
    }
    for (const reportId of reportIds) {
      if (expect.sameReportAs && reportId !== expect.sameReportAs) {
        recorder.add("unexpected", finding(`a replay answered ${reportId}, not ${expect.sameReportAs}`));
      }
      ledger.record({
        reportId,
        owner: userId,
        api: built.creates.api,
        body: built.creates.body,
        idempotencyKey: built.creates.idempotencyKey,
      });
    }
  }
  if (success && userId !== undefined && /\/reports(\?|$)|reports\.list/.test(request.path)) {
    const cursor = /"nextCursor":"([^"]+)"/.exec(response.text)?.[1];
    if (cursor) ledger.recordCursor(userId, cursor);
  }
}
