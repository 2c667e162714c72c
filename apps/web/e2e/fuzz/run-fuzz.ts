import fc from "fast-check";
import { type AuthorizationMatrix, runAuthorizationMatrix } from "./authorization-matrix.ts";
import { type Caller, type CaseContext, caseArbitrary, type FuzzCase, type ServerLimits } from "./cases.ts";
import { send, type WireRequest, type WireResponse } from "./http.ts";
import { FuzzRecorder, judge, type RecordedFigures } from "./judge.ts";
import { Ledger } from "./ledger.ts";
import { type OpenApiDocument, requestBodySchema } from "./schema-arbitraries.ts";
import { type BadToken, TokenFactory } from "./tokens.ts";

/** The dashboard's session cookie on the local stack (plain http: no __Host- prefix). */
const SESSION_COOKIE = "reports_session";

export interface FuzzOptions {
  /** The running web app, e.g. http://127.0.0.1:3000. */
  baseUrl: string;
  /** AUTH_DEV_SECRET of that stack: the suite signs its own (good and bad) tokens. */
  devSecret: string;
  seed: number;
  /** Generated requests to send (the authorization matrix comes on top). */
  runs: number;
  limits: ServerLimits;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Distinct users the generated requests come from. */
  users?: number;
  /** How many requests... then a line of progress. */
  progressEvery?: number;
  log?: (line: string) => void;
  /** Bound of one request. */
  timeoutMs?: number;
  /** Bound of the wait for the matrix's report to complete. */
  completionTimeoutMs?: number;
}

export interface FuzzFigures extends RecordedFigures {
  seed: number;
  /** Requests sent by the generated phase (the matrix's come on top; `requests` counts all). */
  generated: number;
  durationMs: number;
  /** Reports the run created (and whose ownership it checked afterwards). */
  reportsCreated: number;
  /** How many answers broke each rule (the lists keep samples of each kind). */
  counts: { serverErrors: number; hostileAccepted: number; crossUserReads: number; unexpected: number };
  matrix: AuthorizationMatrix;
}

function describeCaller(caller: Caller, context: CaseContext, badTokens: BadToken[]): string {
  switch (caller.kind) {
    case "user":
      return `${context.users[caller.user]}${caller.via === "cookie" ? " (cookie)" : ""}`;
    case "bad-token":
      return `bad token: ${badTokens[caller.token]?.kind}`;
    case "bad-cookie":
      return `bad cookie: ${JSON.stringify(caller.value)}`;
    default:
      return "anonymous";
  }
}

/** The Authorization / Cookie header a caller sends. */
async function authHeaders(
  caller: Caller,
  context: CaseContext,
  tokens: TokenFactory,
  badTokens: BadToken[],
): Promise<Record<string, string>> {
  switch (caller.kind) {
    case "user": {
      const token = await tokens.valid(context.users[caller.user]!);
      return caller.via === "cookie"
        ? { cookie: `${SESSION_COOKIE}=${token}` }
        : { authorization: `Bearer ${token}` };
    }
    case "bad-token": {
      const authorization = badTokens[caller.token]?.authorization;
      return authorization === null || authorization === undefined ? {} : { authorization };
    }
    case "bad-cookie":
      return { cookie: `${SESSION_COOKIE}=${caller.value}` };
    default:
      return {};
  }
}

/**
 * The whole suite against a running web app: the authorization matrix first (every
 * endpoint that takes a report, as its owner, another user and nobody), then `runs`
 * generated requests from `seed`. Returns the figures; the caller asserts on them.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzFigures> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const tokens = new TokenFactory(options.devSecret);
  const badTokens = await tokens.badTokens();
  const ledger = new Ledger();
  const recorder = new FuzzRecorder();
  const users = Array.from({ length: options.users ?? 12 }, (_, i) => `fuzz-${options.seed}-u${i}`);
  const context: CaseContext = { ledger, users, limits: options.limits };
  const timeoutMs = options.timeoutMs ?? 30_000;

  const openApi = JSON.parse(
    (await send(options.baseUrl, { method: "GET", path: "/openapi.json", headers: {} }, timeoutMs)).text,
  ) as OpenApiDocument;

  const matrix = await runAuthorizationMatrix({
    baseUrl: options.baseUrl,
    openApi,
    tokens,
    ledger,
    recorder,
    owner: `fuzz-${options.seed}-owner`,
    others: [`fuzz-${options.seed}-other`, `FUZZ-${options.seed}-OWNER`],
    timeoutMs,
    completionTimeoutMs: options.completionTimeoutMs ?? 120_000,
    log,
  });

  // The catalogue's genres, as the dashboard reads them (a report's genre must be one of them).
  const genresAnswer = await send(
    options.baseUrl,
    {
      method: "GET",
      path: "/api/trpc/catalogue.genres",
      headers: { authorization: `Bearer ${await tokens.valid(users[0]!)}` },
    },
    timeoutMs,
  );
  const genres = (JSON.parse(genresAnswer.text) as { result?: { data?: { genres?: string[] } } }).result?.data
    ?.genres;
  if (!genres || genres.length === 0)
    throw new Error(`no genres from catalogue.genres: ${genresAnswer.status} ${genresAnswer.text}`);

  const arbitrary = caseArbitrary({
    parameters: requestBodySchema(openApi, "/reports/popularity", "post"),
    genres,
    dateBounds: dateBoundsOf(openApi),
    badTokenCount: badTokens.length,
    userCount: users.length,
  });
  const cases: FuzzCase[] = fc.sample(arbitrary, { seed: options.seed, numRuns: options.runs });

  let next = 0;
  let done = 0;
  const progressEvery = options.progressEvery ?? 1_000;
  const worker = async () => {
    for (;;) {
      const index = next++;
      const fuzzCase = cases[index];
      if (!fuzzCase) return;
      const built = fuzzCase.build(context);
      const caller = built.caller ?? fuzzCase.caller;
      const request: WireRequest = {
        ...built.request,
        headers: { ...built.request.headers, ...(await authHeaders(caller, context, tokens, badTokens)) },
      };
      let response: WireResponse;
      try {
        response = await send(options.baseUrl, request, timeoutMs);
      } catch (err) {
        // No answer at all: counted as status 0 (allowed only where the case says so).
        response = { status: 0, headers: new Headers(), text: String((err as Error).message) };
      }
      judge({
        recorder,
        ledger,
        family: fuzzCase.family,
        callerName: describeCaller(caller, context, badTokens),
        userId: caller.kind === "user" ? users[caller.user] : undefined,
        built,
        response,
      });
      if (++done % progressEvery === 0) {
        log(
          `${done}/${cases.length} requests, ${recorder.totals.serverErrors} ≥ 500, ${recorder.totals.hostileAccepted} hostile accepted, ${recorder.totals.crossUserReads} cross-user reads`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));

  return {
    seed: options.seed,
    generated: cases.length,
    durationMs: Date.now() - started,
    reportsCreated: ledger.size,
    ...recorder.figures,
    counts: { ...recorder.totals },
    matrix,
  };
}

/** The date bounds the served contract states (in the `from` description), or the product's. */
function dateBoundsOf(document: OpenApiDocument): { minYear: number; maxYear: number } {
  const from = requestBodySchema(document, "/reports/popularity", "post").properties?.from as
    | { description?: string }
    | undefined;
  const years = /(\d{4})-\d{2}-\d{2}\D+(\d{4})-\d{2}-\d{2}/.exec(from?.description ?? "");
  return years ? { minYear: Number(years[1]), maxYear: Number(years[2]) } : { minYear: 1900, maxYear: 9999 };
}
