import fc from "fast-check";
import type { WireRequest } from "./http.ts";
import type { Ledger } from "./ledger.ts";
import {
  type DateBounds,
  HOSTILE_TEXT,
  invalidValue,
  type JsonSchema,
  ODD_TEXT,
  plainText,
  validObject,
} from "./schema-arbitraries.ts";

/** Who sends a case: a user of the run (by index), one of the bad tokens (by index), or nobody. */
export type Caller =
  | { kind: "user"; user: number; via?: "header" | "cookie" }
  | { kind: "bad-token"; token: number }
  | { kind: "bad-cookie"; value: string }
  | { kind: "anonymous" };

/** What a correct server answers. */
export interface Expectation {
  /**
   * The statuses it may answer (0 = no answer at all, for uploads the client cut short);
   * undefined = anything below 500.
   */
  statuses?: readonly number[] | undefined;
  /** A request that must not be accepted: no 2xx (and so nothing created). */
  hostile: boolean;
  /** The reportId the answer must name (a replay returns the original report). */
  sameReportAs?: string;
  /** A session sign-in that must not set a cookie. */
  noCookie?: boolean;
  /**
   * The answer may come from Node's HTTP server or Next.js's router rather than the API (a
   * truncated upload, an unknown path): no problem body is required of it.
   */
  bareAnswer?: boolean;
}

export interface BuiltCase {
  /** Overrides the case's caller (a replay is sent by the original report's owner). */
  caller?: Caller;
  request: WireRequest;
  expect: Expectation;
  /** A report request: its 2xx answer names a new report for the caller. */
  creates?: { api: "rest" | "trpc"; body: string; idempotencyKey?: string | undefined };
}

/** What the server's limits are, as far as the expectations depend on them. */
export interface ServerLimits {
  /** Request bodies above this many bytes are refused with 413. */
  maxBodyBytes: number;
  /** tRPC batches above this many calls are refused. */
  maxBatchSize: number;
}

export interface CaseContext {
  ledger: Ledger;
  /** The user ids of this run, indexed by `Caller.user`. */
  users: readonly string[];
  limits: ServerLimits;
}

export interface FuzzCase {
  /** The family the case belongs to (the figures are broken down by it). */
  family: string;
  caller: Caller;
  build(context: CaseContext): BuiltCase;
}

export interface CaseSchemas {
  /** The request body of POST /reports/popularity, from the served OpenAPI document. */
  parameters: JsonSchema;
  /** The catalogue's genres (catalogue.genres): a report's genre must be one, in any letter case. */
  genres: readonly string[];
  dateBounds: DateBounds;
  /** How many bad tokens the run has (Caller.bad-token indexes them). */
  badTokenCount: number;
  userCount: number;
}

const JSON_TYPE = { "content-type": "application/json" };
const CREATED_REST = [202, 429] as const;
const CREATED_TRPC = [200, 429] as const;
const REFUSED = (statuses: number[]): Expectation => ({ statuses, hostile: true });

function sameUser(context: CaseContext, caller: Caller): string | undefined {
  return caller.kind === "user" ? context.users[caller.user] : undefined;
}

/** The answer a report read gets: 200 for its owner, 404 for anyone else or an unknown id. */
function readExpectation(
  context: CaseContext,
  caller: Caller,
  reportId: string,
  ownerStatuses = [200],
): Expectation {
  const owner = context.ledger.ownerOf(reportId);
  const me = sameUser(context, caller);
  const statuses = me !== undefined && owner === me ? ownerStatuses : [404];
  return { statuses, hostile: false };
}

/** Shuffles a valid parameters object so `from` < `to` whenever both are present. */
function orderWindow(parameters: Record<string, unknown>): Record<string, unknown> {
  const { from, to } = parameters;
  if (typeof from === "string" && typeof to === "string") {
    if (from === to) {
      const { to: _dropped, ...rest } = parameters;
      return rest;
    }
    if (from > to) return { ...parameters, from: to, to: from };
  }
  return parameters;
}

/**
 * Percent-encodes a path segment, lone surrogates included: those as the three bytes WTF-8
 * gives them (%ED%A0%80 for U+D800), which is what a hostile client can put on the wire.
 */
function encodeSegment(value: string): string {
  let out = "";
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join("");
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

function withContentType(contentType: string | undefined): Record<string, string> {
  return contentType === undefined ? {} : { "content-type": contentType };
}

function trpcPath(procedures: string | string[], query = ""): string {
  const path = Array.isArray(procedures) ? procedures.join(",") : procedures;
  return `/api/trpc/${path}${query}`;
}

function trpcQuery(procedure: string, input: unknown): string {
  return trpcPath(
    procedure,
    input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`,
  );
}

/** A key a client would send: visible ASCII, 8..64 characters. */
const idempotencyKey = fc
  .string({ unit: "grapheme-ascii", minLength: 8, maxLength: 64 })
  .map((key) => key.trim())
  .filter((key) => key.length >= 1 && !/[\r\n]/.test(key));

/** Random or malformed W3C trace contexts: the API must ignore a bad one, never refuse for it. */
const traceparent = fc.oneof(
  fc.constant("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
  fc.constant("garbage"),
  fc.constant("ff-ffffffffffffffffffffffffffffffff-ffffffffffffffff-ff"),
  fc.string({ unit: "grapheme-ascii", maxLength: 80 }),
);

const nonJsonContentTypes = fc.constantFrom(
  "text/plain",
  "text/plain;charset=UTF-8",
  "application/xml",
  "text/xml",
  "application/x-www-form-urlencoded",
  "text/html",
  "application/javascript",
  "application/jsonp",
  "application/json-seq",
  "image/png",
  "*/*",
  "json",
  "application",
  ";;;",
);

const malformedJson = fc.oneof(
  fc.constantFrom(
    "{",
    '{"genre":',
    '{"genre":"Jazz"',
    '{"genre":"Jazz",}',
    "{'genre':'Jazz'}",
    '{"minRatings":01}',
    '{"minRatings":NaN}',
    '{"minRatings":Infinity}',
    '{"genre":"Jazz"}}',
    '{"genre":"\\u00"}',
    '{"genre":"\\ud800"',
    "undefined",
    "\u0000",
    "\ufeff{",
    "[",
    "nul",
    '{"a":1}garbage',
  ),
  // A valid body cut short at a random point: a truncated upload.
  fc
    .tuple(
      fc.constantFrom('{"genre":"Jazz","minRatings":5,"limit":10,"from":"2024-01-01"}'),
      fc.integer({ min: 1, max: 60 }),
    )
    .map(([text, cut]) => text.slice(0, cut)),
);

/** Non-object JSON values and nested junk. */
const notAnObject = fc.oneof(
  fc.constantFrom("[]", "[{}]", '"Jazz"', "42", "true", "null", "-0", "1e309"),
  fc
    .jsonValue({ maxDepth: 3 })
    .filter((value) => typeof value !== "object" || value === null || Array.isArray(value))
    .map((value) => JSON.stringify(value)),
);

const hostileIdSegments = fc.oneof(
  fc.constantFrom(
    "not-a-uuid",
    "00000000-0000-0000-0000-00000000000g",
    "00000000-0000-0000-0000-0000000000000",
    "{00000000-0000-0000-0000-000000000000}",
    "\u0000",
    "%00",
    "' OR 1=1 --",
    "null",
    "undefined",
    "1",
    "-1",
    "x".repeat(4_000),
    "\ud800",
    "Ｊ",
    "..",
    "%2e%2e",
  ),
  fc.string({ maxLength: 60 }).filter((value) => value.length > 0 && !/^[0-9a-f-]{36}$/i.test(value)),
);

/** Cursors the API never handed out: random text, and base64url JSON with hostile contents. */
const forgedCursors = fc.oneof(
  fc.string({ minLength: 1, maxLength: 200 }),
  fc.constantFrom("\u0000", "%00", "\ud800", "=", "====", "null"),
  fc
    .constantFrom<unknown>(
      ["0000-01-01T00:00:00.000Z", "00000000-0000-4000-8000-000000000000"],
      ["-271821-04-20T00:00:00.000Z", "00000000-0000-4000-8000-000000000000"],
      ["9999-12-31T23:59:59.999Z", "00000000-0000-4000-8000-000000000000\u0000"],
      ["2026-01-01T00:00:00.000Z", "not-a-uuid"],
      ["2026-01-01T00:00:00.000Z\u0000", "00000000-0000-4000-8000-000000000000"],
      ["2026-01-01T00:00:00.000Z"],
      { createdAt: "2026-01-01T00:00:00.000Z" },
      [null, null],
      "2026-01-01T00:00:00.000Z",
      ["2026-02-30T00:00:00.000Z", "00000000-0000-4000-8000-000000000000"],
      ["2026-01-01T25:00:00.000Z", "00000000-0000-4000-8000-000000000000"],
    )
    .map((value) => Buffer.from(JSON.stringify(value)).toString("base64url")),
  fc.string({ minLength: 201, maxLength: 400 }),
);

const invalidLimits = fc.constantFrom(
  "0",
  "-1",
  "101",
  "1000000",
  "1.5",
  "abc",
  "",
  "1e3",
  "NaN",
  "Infinity",
  "0x10zz",
  " ",
  "\u0000",
  "99999999999999999999",
);

/**
 * Every case family: REST and tRPC, inside the OpenAPI schemas and beyond them. Each family
 * builds its request and what a correct server must answer, by construction (the
 * expectation is not computed by the code under test).
 */
export function caseArbitrary(schemas: CaseSchemas): fc.Arbitrary<FuzzCase> {
  const { parameters: schema, dateBounds } = schemas;
  const userCaller = fc.record({
    kind: fc.constant("user" as const),
    user: fc.nat({ max: schemas.userCount - 1 }),
    via: fc.constantFrom<"header" | "cookie">("header", "header", "header", "cookie"),
  });
  const headerUser = fc.record({
    kind: fc.constant("user" as const),
    user: fc.nat({ max: schemas.userCount - 1 }),
  });
  const badCaller: fc.Arbitrary<Caller> = fc.oneof(
    fc.record({ kind: fc.constant("bad-token" as const), token: fc.nat({ max: schemas.badTokenCount - 1 }) }),
    fc.record({
      kind: fc.constant("bad-cookie" as const),
      value: fc.constantFrom("garbage", "", "a.b.c", "\u00ff", "eyJhbGciOiJub25lIn0.e30."),
    }),
  );
  const restBadCaller: fc.Arbitrary<Caller> = fc.record({
    kind: fc.constant("bad-token" as const),
    token: fc.nat({ max: schemas.badTokenCount - 1 }),
  });

  const known = new Set(schemas.genres.map((genre) => genre.toLowerCase()));
  /** One of the catalogue's genres, in any letter case. */
  const catalogueGenre = fc
    .tuple(fc.constantFrom(...schemas.genres), fc.constantFrom("as is", "lower", "upper"))
    .map(([genre, letterCase]) =>
      letterCase === "lower" ? genre.toLowerCase() : letterCase === "upper" ? genre.toUpperCase() : genre,
    );
  /** Well-formed text the catalogue has no genre of: a 400 naming the known ones. */
  const unknownGenre = fc
    .oneof(fc.constantFrom(...ODD_TEXT), plainText(1, 64))
    .filter((genre) => !known.has(genre.trim().toLowerCase()));
  const validParameters = validObject(schema, dateBounds, { genre: catalogueGenre }).map(orderWindow);
  const propertyNames = Object.keys(schema.properties ?? {});
  /** A valid object with exactly one property made invalid. */
  const oneInvalidField = fc
    .tuple(validParameters, fc.constantFrom(...propertyNames))
    .chain(([parameters, name]) => {
      const invalid = invalidValue(schema.properties![name]!, dateBounds);
      return (name === "genre" ? fc.oneof(invalid, unknownGenre) : invalid).map((value) => ({
        ...parameters,
        [name]: value,
      }));
    });
  const unknownField = fc
    .tuple(
      validParameters,
      fc.constantFrom(
        "__proto__",
        "constructor",
        "prototype",
        "kind",
        "owner",
        "ownerId",
        "status",
        "extra",
        "GENRE",
        "min_ratings",
        "",
      ),
      fc.jsonValue({ maxDepth: 1 }),
    )
    .map(([parameters, key, value]) => {
      // JSON.stringify drops a `__proto__` own property set by assignment; define it instead.
      const body = { ...parameters };
      Object.defineProperty(body, key, { value, enumerable: true, configurable: true, writable: true });
      return body;
    });
  const reversedWindow = fc
    .tuple(
      validParameters,
      fc.date({ min: new Date("1990-01-01"), max: new Date("2090-01-01"), noInvalidDate: true }),
      fc.nat({ max: 4_000 }),
    )
    .map(([parameters, from, days]) => ({
      ...parameters,
      from: from.toISOString().slice(0, 10),
      to: new Date(from.getTime() - days * 86_400_000).toISOString().slice(0, 10),
    }));
  const invalidParameters = fc.oneof(
    { weight: 8, arbitrary: oneInvalidField },
    { weight: 2, arbitrary: unknownField },
    { weight: 2, arbitrary: reversedWindow },
  );

  const cases: Array<{ weight: number; arbitrary: fc.Arbitrary<FuzzCase> }> = [];
  const add = (weight: number, arbitrary: fc.Arbitrary<FuzzCase>) => cases.push({ weight, arbitrary });

  // ---- REST: POST /reports/popularity ----
  add(
    6,
    fc
      .record({
        caller: headerUser,
        parameters: validParameters,
        key: fc.option(idempotencyKey, { nil: undefined }),
        trace: fc.option(traceparent, { nil: undefined }),
        contentType: fc.constantFrom(
          "application/json",
          "application/json; charset=utf-8",
          "APPLICATION/JSON",
          "application/merge-patch+json",
        ),
      })
      .map(({ caller, parameters, key, trace, contentType }) => ({
        family: "rest.request.valid",
        caller,
        build: () => {
          const body = JSON.stringify(parameters);
          const headers: Record<string, string> = { "content-type": contentType };
          if (key !== undefined) headers["idempotency-key"] = key;
          if (trace !== undefined) headers.traceparent = trace;
          return {
            request: { method: "POST", path: "/reports/popularity", headers, body },
            expect: { statuses: CREATED_REST, hostile: false },
            creates: { api: "rest", body, idempotencyKey: key },
          };
        },
      })),
  );
  add(
    1,
    fc
      .record({
        caller: headerUser,
        contentType: fc.option(fc.constantFrom("application/json", "text/plain", ""), { nil: undefined }),
      })
      .map(({ caller, contentType }) => ({
        family: "rest.request.empty-body",
        caller,
        build: () => ({
          request: { method: "POST", path: "/reports/popularity", headers: withContentType(contentType) },
          expect: { statuses: CREATED_REST, hostile: false },
          creates: { api: "rest", body: "" },
        }),
      })),
  );
  add(
    10,
    fc.record({ caller: headerUser, parameters: invalidParameters }).map(({ caller, parameters }) => ({
      family: "rest.request.invalid-parameters",
      caller,
      build: () => ({
        request: {
          method: "POST",
          path: "/reports/popularity",
          headers: JSON_TYPE,
          body: JSON.stringify(parameters),
        },
        expect: REFUSED([400]),
      }),
    })),
  );
  add(
    2,
    fc.record({ caller: headerUser, body: notAnObject }).map(({ caller, body }) => ({
      family: "rest.request.not-an-object",
      caller,
      build: () => ({
        request: { method: "POST", path: "/reports/popularity", headers: JSON_TYPE, body },
        expect: REFUSED([400]),
      }),
    })),
  );
  add(
    3,
    fc.record({ caller: headerUser, body: malformedJson }).map(({ caller, body }) => ({
      family: "rest.request.malformed-json",
      caller,
      build: () => ({
        request: { method: "POST", path: "/reports/popularity", headers: JSON_TYPE, body },
        expect: REFUSED([400]),
      }),
    })),
  );
  add(
    4,
    fc
      .record({
        caller: headerUser,
        parameters: validParameters,
        contentType: fc.option(nonJsonContentTypes, { nil: undefined }),
      })
      .map(({ caller, parameters, contentType }) => ({
        family: "rest.request.content-type",
        caller,
        build: () => ({
          request: {
            method: "POST",
            path: "/reports/popularity",
            headers: withContentType(contentType),
            // Never empty: an empty body means the defaults whatever its type.
            body: JSON.stringify({ ...parameters, minRatings: 5 }),
          },
          expect: REFUSED([415]),
        }),
      })),
  );
  add(
    2,
    fc
      .record({
        caller: headerUser,
        api: fc.constantFrom("rest" as const, "trpc" as const),
        shape: fc.constantFrom("padded", "long-genre", "repeated-1MiB", "repeated-8MiB", "array"),
      })
      .map(({ caller, api, shape }) => ({
        family: `${api}.request.too-large`,
        caller,
        build: (context) => {
          const cap = context.limits.maxBodyBytes;
          let body: WireRequest["body"];
          switch (shape) {
            case "padded":
              body = `{"genre":"Jazz"${" ".repeat(cap + 1)}}`;
              break;
            case "long-genre":
              body = JSON.stringify({ genre: "x".repeat(cap * 2) });
              break;
            case "array":
              body = `[${"1,".repeat(cap)}1]`;
              break;
            case "repeated-1MiB":
              body = { repeat: " ".repeat(1024), times: 1024 };
              break;
            default:
              body = { repeat: " ".repeat(8192), times: 1024 };
          }
          const path = api === "rest" ? "/reports/popularity" : trpcPath("reports.request");
          return { request: { method: "POST", path, headers: JSON_TYPE, body }, expect: REFUSED([413]) };
        },
      })),
  );
  add(
    1,
    fc
      .record({
        caller: headerUser,
        api: fc.constantFrom("rest" as const, "trpc" as const),
        shape: fc.constantFrom("chunked-large", "declared-huge", "truncated"),
      })
      .map(({ caller, api, shape }) => ({
        family: `${api}.request.raw-upload`,
        caller,
        build: (context) => {
          const path = api === "rest" ? "/reports/popularity" : trpcPath("reports.request");
          const cap = context.limits.maxBodyBytes;
          if (shape === "chunked-large") {
            return {
              request: {
                method: "POST",
                path,
                headers: JSON_TYPE,
                body: `{"genre":"Jazz"${" ".repeat(cap * 2)}}`,
                raw: { chunked: true },
              },
              expect: REFUSED([413]),
            };
          }
          if (shape === "declared-huge") {
            return {
              request: {
                method: "POST",
                path,
                headers: JSON_TYPE,
                body: '{"genre":"Jazz"}',
                raw: { contentLength: 1_000_000_000 },
              },
              // The client stops after 16 bytes: Node's HTTP server answers the half-closed
              // upload with a bare 400 (Next.js buffers bodies before any route can say 413).
              expect: { ...REFUSED([400, 413, 0]), bareAnswer: true },
            };
          }
          // Declared 200 bytes, sent 16, then the client stops: a truncated upload.
          return {
            request: {
              method: "POST",
              path,
              headers: JSON_TYPE,
              body: '{"genre":"Jazz",',
              raw: { contentLength: 200 },
            },
            // Node's HTTP server itself answers a half-closed upload with a bare 400.
            expect: { ...REFUSED([400, 0]), bareAnswer: true },
          };
        },
      })),
  );
  add(
    2,
    fc
      .record({
        caller: headerUser,
        parameters: validParameters,
        key: fc.oneof(
          fc.constantFrom("", " "),
          fc.integer({ min: 256, max: 2_000 }).map((n) => "k".repeat(n)),
        ),
      })
      .map(({ caller, parameters, key }) => ({
        family: "rest.request.bad-idempotency-key",
        caller,
        build: () => ({
          request: {
            method: "POST",
            path: "/reports/popularity",
            headers: { ...JSON_TYPE, "idempotency-key": key },
            body: JSON.stringify(parameters),
          },
          expect: REFUSED([400]),
        }),
      })),
  );
  add(
    2,
    fc.record({ caller: restBadCaller, parameters: validParameters }).map(({ caller, parameters }) => ({
      family: "rest.request.bad-token",
      caller,
      build: () => ({
        request: {
          method: "POST",
          path: "/reports/popularity",
          headers: JSON_TYPE,
          body: JSON.stringify(parameters),
        },
        expect: REFUSED([401]),
      }),
    })),
  );
  add(
    1,
    fc.record({ index: fc.nat(), changed: fc.boolean() }).map(({ index, changed }) => ({
      family: "rest.request.replay",
      // The caller is resolved from the ledger entry at build time.
      caller: { kind: "user", user: 0 },
      build: (context) => {
        const entry = context.ledger.pickWithKey(index, context.users);
        if (entry?.api !== "rest") {
          return {
            request: { method: "GET", path: "/healthz", headers: {} },
            expect: { statuses: [200], hostile: false },
          };
        }
        const body = changed
          ? JSON.stringify({ ...(entry.body ? JSON.parse(entry.body) : {}), limit: 99_999 })
          : entry.body;
        const headers: Record<string, string> = { ...JSON_TYPE, "idempotency-key": entry.idempotencyKey! };
        return {
          caller: { kind: "user", user: context.users.indexOf(entry.owner) },
          request: { method: "POST", path: "/reports/popularity", headers, body },
          expect:
            changed && body !== entry.body
              ? { statuses: [409], hostile: true }
              : { statuses: [202], hostile: false, sameReportAs: entry.reportId },
        };
      },
    })),
  );

  // ---- REST: reads ----
  add(
    4,
    fc
      .record({ caller: headerUser, index: fc.nat(), unknown: fc.boolean(), id: fc.uuid() })
      .map(({ caller, index, unknown, id }) => ({
        family: "rest.get",
        caller,
        build: (context) => {
          const reportId = unknown ? id : (context.ledger.pick(index)?.reportId ?? id);
          return {
            request: { method: "GET", path: `/reports/${reportId}`, headers: {} },
            expect: readExpectation(context, caller, reportId),
          };
        },
      })),
  );
  add(
    2,
    fc.record({ caller: headerUser, segment: hostileIdSegments }).map(({ caller, segment }) => ({
      family: "rest.get.bad-id",
      caller,
      build: () => ({
        request: { method: "GET", path: `/reports/${encodeSegment(segment)}`, headers: {} },
        // `/reports/..` is normalised (and redirected) by Next.js before any route sees it.
        expect: segment === ".." ? { ...REFUSED([307, 308]), bareAnswer: true } : REFUSED([400, 404]),
      }),
    })),
  );
  add(
    1,
    fc
      .record({
        caller: userCaller,
        path: fc.constantFrom(
          "/reports/%E0%A4%A",
          "/reports/%ED%A0%80",
          "/reports/%FF",
          "/reports/%",
          "/api/trpc/%E0%A4%A",
          "/api/trpc/reports.get%FF",
          "/api/trpc/%",
        ),
      })
      .map(({ caller, path }) => ({
        family: "other.bad-percent-encoding",
        caller,
        // Answered by the server's front guard (scripts/start.mjs) before Next.js or tRPC:
        // a problem body, also on a tRPC path.
        build: () => ({
          request: { method: "GET", path, headers: {} },
          expect: { ...REFUSED([400]), bareAnswer: true },
        }),
      })),
  );
  add(
    3,
    fc
      .record({
        caller: headerUser,
        limit: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
        cursor: fc.option(fc.nat(), { nil: undefined }),
      })
      .map(({ caller, limit, cursor }) => ({
        family: "rest.list",
        caller,
        build: (context) => {
          const query = new URLSearchParams();
          if (limit !== undefined) query.set("limit", String(limit));
          const picked = cursor === undefined ? undefined : context.ledger.pickCursor(cursor);
          if (picked) query.set("cursor", picked.cursor);
          return {
            request: { method: "GET", path: `/reports${query.size > 0 ? `?${query}` : ""}`, headers: {} },
            expect: { statuses: [200], hostile: false },
          };
        },
      })),
  );
  add(
    3,
    fc
      .record({
        caller: headerUser,
        limit: fc.option(invalidLimits, { nil: undefined }),
        cursor: fc.option(forgedCursors, { nil: undefined }),
      })
      .filter(({ limit, cursor }) => limit !== undefined || cursor !== undefined)
      .map(({ caller, limit, cursor }) => ({
        family: "rest.list.invalid",
        caller,
        build: () => {
          const query = new URLSearchParams();
          if (limit !== undefined) query.set("limit", limit);
          if (cursor !== undefined) query.set("cursor", cursor);
          return {
            request: { method: "GET", path: `/reports?${query}`, headers: {} },
            expect: REFUSED([400]),
          };
        },
      })),
  );
  add(
    2,
    fc
      .record({
        caller: restBadCaller,
        path: fc.constantFrom(
          "/reports",
          "/reports/00000000-0000-4000-8000-000000000000",
          "/reports?limit=5",
        ),
      })
      .map(({ caller, path }) => ({
        family: "rest.read.bad-token",
        caller,
        build: () => ({ request: { method: "GET", path, headers: {} }, expect: REFUSED([401]) }),
      })),
  );
  add(
    1,
    fc
      .record({
        caller: headerUser,
        method: fc.constantFrom("PUT", "PATCH", "DELETE"),
        path: fc.constantFrom(
          "/reports",
          "/reports/popularity",
          "/reports/00000000-0000-4000-8000-000000000000",
        ),
      })
      // DELETE /reports/{reportId} is the cancel (when the API has it): the matrix covers it.
      .filter(({ method, path }) => !(method === "DELETE" && path.startsWith("/reports/0")))
      .map(({ caller, method, path }) => ({
        family: "rest.method",
        caller,
        build: () => ({ request: { method, path, headers: JSON_TYPE, body: "{}" }, expect: REFUSED([405]) }),
      })),
  );

  // ---- tRPC ----
  const trpcInput = fc.record({
    parameters: validParameters,
    key: fc.option(idempotencyKey, { nil: undefined }),
  });
  add(
    4,
    fc.record({ caller: userCaller, input: trpcInput }).map(({ caller, input }) => ({
      family: "trpc.request.valid",
      caller,
      build: () => {
        const body = JSON.stringify({
          kind: "popularity",
          parameters: input.parameters,
          ...(input.key === undefined ? {} : { idempotencyKey: input.key }),
        });
        return {
          request: { method: "POST", path: trpcPath("reports.request"), headers: JSON_TYPE, body },
          expect: { statuses: CREATED_TRPC, hostile: false },
          creates: { api: "trpc", body, idempotencyKey: input.key },
        };
      },
    })),
  );
  const invalidTrpcInput = fc.oneof(
    { weight: 6, arbitrary: invalidParameters.map((parameters) => ({ kind: "popularity", parameters })) },
    {
      weight: 2,
      arbitrary: validParameters.chain((parameters) =>
        fc
          .constantFrom(...HOSTILE_TEXT, "", "   ", "k".repeat(256))
          .map((idempotencyKey) => ({ kind: "popularity", parameters, idempotencyKey })),
      ),
    },
    {
      weight: 1,
      arbitrary: validParameters.chain((parameters) =>
        fc.constantFrom<unknown>("sales", "", null, 1, "POPULARITY").map((kind) => ({ kind, parameters })),
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, [], "popularity", 1, { parameters: {} }) },
  );
  add(
    6,
    fc.record({ caller: userCaller, input: invalidTrpcInput }).map(({ caller, input }) => ({
      family: "trpc.request.invalid-input",
      caller,
      build: () => ({
        request: {
          method: "POST",
          path: trpcPath("reports.request"),
          headers: JSON_TYPE,
          body: JSON.stringify(input),
        },
        expect: REFUSED([400]),
      }),
    })),
  );
  add(
    2,
    fc
      .record({ caller: userCaller, body: fc.oneof(malformedJson, fc.constant("")) })
      .map(({ caller, body }) => ({
        family: "trpc.request.malformed-json",
        caller,
        build: () => ({
          request: { method: "POST", path: trpcPath("reports.request"), headers: JSON_TYPE, body },
          expect: REFUSED([400]),
        }),
      })),
  );
  add(
    3,
    fc
      .record({
        caller: userCaller,
        input: trpcInput,
        contentType: fc.option(
          fc.oneof(
            { weight: 4, arbitrary: nonJsonContentTypes },
            {
              weight: 1,
              arbitrary: fc.constantFrom("multipart/form-data; boundary=x", "application/octet-stream"),
            },
          ),
          { nil: undefined },
        ),
      })
      .map(({ caller, input, contentType }) => ({
        family: "trpc.request.content-type",
        caller,
        build: () => ({
          request: {
            method: "POST",
            path: trpcPath("reports.request"),
            headers: withContentType(contentType),
            body: JSON.stringify({ kind: "popularity", parameters: input.parameters }),
          },
          // tRPC reads multipart bodies itself: one that is not valid multipart is a 400 before
          // anything can say 415.
          expect: REFUSED(contentType?.startsWith("multipart/") ? [400, 415] : [415]),
        }),
      })),
  );
  add(
    2,
    fc.record({ caller: userCaller, input: trpcInput }).map(({ caller, input }) => ({
      family: "trpc.request.get",
      caller,
      build: () => ({
        request: {
          method: "GET",
          path: trpcQuery("reports.request", { kind: "popularity", parameters: input.parameters }),
          headers: {},
        },
        expect: REFUSED([405]),
      }),
    })),
  );
  add(
    1,
    fc
      .record({
        caller: userCaller,
        procedure: fc.constantFrom("reports.get", "reports.list", "catalogue.genres", "reportPreviews.get"),
      })
      .map(({ caller, procedure }) => ({
        family: "trpc.query.post",
        caller,
        build: () => ({
          request: { method: "POST", path: trpcPath(procedure), headers: JSON_TYPE, body: "{}" },
          expect: REFUSED([405]),
        }),
      })),
  );
  add(
    4,
    fc
      .record({
        caller: userCaller,
        index: fc.nat(),
        unknown: fc.boolean(),
        id: fc.uuid(),
        procedure: fc.constantFrom("reports.get", "reportPreviews.get"),
      })
      .map(({ caller, index, unknown, id, procedure }) => ({
        family: `trpc.${procedure}`,
        caller,
        build: (context) => {
          const reportId = unknown ? id : (context.ledger.pick(index)?.reportId ?? id);
          // A preview of the caller's own report exists once it is Completed (409 before).
          const ownerStatuses = procedure === "reportPreviews.get" ? [200, 409] : [200];
          return {
            request: { method: "GET", path: trpcQuery(procedure, { reportId }), headers: {} },
            expect: readExpectation(context, caller, reportId, ownerStatuses),
          };
        },
      })),
  );
  add(
    2,
    fc
      .record({
        caller: userCaller,
        limit: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
        cursor: fc.option(fc.nat(), { nil: undefined }),
        genres: fc.boolean(),
      })
      .map(({ caller, limit, cursor, genres }) => ({
        family: genres ? "trpc.catalogue.genres" : "trpc.reports.list",
        caller,
        build: (context) => {
          if (genres)
            return {
              request: { method: "GET", path: trpcPath("catalogue.genres"), headers: {} },
              expect: { statuses: [200], hostile: false },
            };
          const picked = cursor === undefined ? undefined : context.ledger.pickCursor(cursor);
          const input = {
            ...(limit === undefined ? {} : { limit }),
            ...(picked ? { cursor: picked.cursor } : {}),
          };
          return {
            request: { method: "GET", path: trpcQuery("reports.list", input), headers: {} },
            expect: { statuses: [200], hostile: false },
          };
        },
      })),
  );
  add(
    3,
    fc
      .record({
        caller: userCaller,
        query: fc.oneof(
          fc.constantFrom(
            "?input=",
            "?input={",
            "?input=%7B%22reportId%22",
            "?input=null",
            "?input=%00",
            "?input=%ED%A0%80",
            "?input=[]",
            "?input=1e309",
          ),
          hostileIdSegments.map((reportId) => `?input=${encodeURIComponent(JSON.stringify({ reportId }))}`),
          fc.jsonValue({ maxDepth: 2 }).map((value) => `?input=${encodeURIComponent(JSON.stringify(value))}`),
        ),
        procedure: fc.constantFrom("reports.get", "reportPreviews.get"),
      })
      .map(({ caller, query, procedure }) => ({
        family: "trpc.query.invalid-input",
        caller,
        build: () => ({
          request: { method: "GET", path: trpcPath(procedure, query), headers: {} },
          expect: REFUSED([400]),
        }),
      })),
  );
  add(
    2,
    fc
      .record({
        caller: userCaller,
        input: fc
          .record({
            limit: fc.option(
              invalidLimits.map((limit) => (/^-?\d+(\.\d+)?$/.test(limit) ? Number(limit) : limit)),
              { nil: undefined },
            ),
            cursor: fc.option(forgedCursors, { nil: undefined }),
          })
          .filter(({ limit, cursor }) => limit !== undefined || cursor !== undefined),
      })
      .map(({ caller, input }) => ({
        family: "trpc.reports.list.invalid",
        caller,
        build: () => ({
          request: {
            method: "GET",
            path: trpcQuery(
              "reports.list",
              Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
            ),
            headers: {},
          },
          expect: REFUSED([400]),
        }),
      })),
  );
  add(
    1,
    fc
      .record({
        caller: userCaller,
        procedure: fc.constantFrom(
          "reports.delete",
          "admin.users",
          "reports",
          "reports.request.x",
          "__proto__",
          "constructor",
          "reports.__proto__",
          "",
          "a".repeat(300),
        ),
      })
      .map(({ caller, procedure }) => ({
        family: "trpc.unknown-procedure",
        caller,
        // `/api/trpc/` (no procedure) is redirected to `/api/trpc` by Next.js (308).
        build: () => ({
          request: { method: "GET", path: trpcPath(encodeURIComponent(procedure)), headers: {} },
          expect: REFUSED(procedure === "" ? [308] : [404]),
        }),
      })),
  );
  add(
    2,
    fc
      .record({
        caller: userCaller,
        size: fc.integer({ min: 1, max: 40 }),
        mutation: fc.boolean(),
        mixed: fc.boolean(),
      })
      .map(({ caller, size, mutation, mixed }) => ({
        family: mutation ? "trpc.batch.mutations" : "trpc.batch.queries",
        caller,
        build: (context) => {
          const max = context.limits.maxBatchSize;
          if (mutation) {
            const procedures = Array.from({ length: size }, (_, i) =>
              mixed && i === 0 ? "reports.list" : "reports.request",
            );
            const body = JSON.stringify(
              Object.fromEntries(
                procedures.map((_, i) => [
                  String(i),
                  { kind: "popularity", parameters: { minRatings: 1 + i } },
                ]),
              ),
            );
            // Over the limit, or mixing a query in: refused whole (a lone query POSTed is a 405).
            // Otherwise each call is judged on its own (accepted, or 429 past the user's limits):
            // 200, 207 or 429 overall.
            const expect: Expectation =
              size > max || mixed ? REFUSED([400, 405]) : { statuses: [200, 207, 429], hostile: false };
            return {
              request: { method: "POST", path: trpcPath(procedures, "?batch=1"), headers: JSON_TYPE, body },
              expect,
              ...(expect.hostile ? {} : { creates: { api: "trpc" as const, body } }),
            };
          }
          const procedures = Array.from({ length: size }, (_, i) =>
            i % 2 === 0 ? "reports.list" : "catalogue.genres",
          );
          const input = encodeURIComponent(
            JSON.stringify(
              Object.fromEntries(
                procedures.map((_, i) => [String(i), i % 2 === 0 ? { limit: 1 } : undefined]),
              ),
            ),
          );
          const expect: Expectation = size > max ? REFUSED([400]) : { statuses: [200], hostile: false };
          return {
            request: { method: "GET", path: trpcPath(procedures, `?batch=1&input=${input}`), headers: {} },
            expect,
          };
        },
      })),
  );
  add(
    3,
    fc
      .record({
        caller: badCaller,
        procedure: fc.constantFrom("reports.list", "reports.request", "catalogue.genres"),
      })
      .map(({ caller, procedure }) => ({
        family: "trpc.bad-token",
        caller,
        build: () =>
          procedure === "reports.request"
            ? {
                request: {
                  method: "POST",
                  path: trpcPath(procedure),
                  headers: JSON_TYPE,
                  body: JSON.stringify({ kind: "popularity", parameters: {} }),
                },
                expect: REFUSED([401]),
              }
            : { request: { method: "GET", path: trpcPath(procedure), headers: {} }, expect: REFUSED([401]) },
      })),
  );

  // ---- Beyond the API ----
  add(
    1,
    fc
      .record({
        userName: fc.oneof(
          fc.constantFrom(
            ...HOSTILE_TEXT,
            "",
            " ",
            "a b",
            "x".repeat(65),
            "<script>",
            "alice\r\nSet-Cookie: x=y",
          ),
          fc.string({ maxLength: 80 }),
        ),
        crossSite: fc.boolean(),
      })
      .map(({ userName, crossSite }) => ({
        family: "other.session.sign-in",
        caller: { kind: "anonymous" },
        build: () => {
          const valid = /^[A-Za-z0-9._@-]{1,64}$/.test(userName.trim());
          const expect: Expectation = crossSite
            ? { statuses: [403], hostile: true, noCookie: true }
            : valid
              ? { statuses: [303], hostile: false }
              : { statuses: [303], hostile: false, noCookie: true };
          return {
            request: {
              method: "POST",
              path: "/api/session",
              headers: {
                "content-type": "application/x-www-form-urlencoded",
                ...(crossSite ? { "sec-fetch-site": "cross-site" } : {}),
              },
              body: new URLSearchParams({ userName }).toString(),
            },
            expect,
          };
        },
      })),
  );
  add(
    1,
    fc.constantFrom("/healthz", "/openapi.json", "/docs", "/signin").map((path) => ({
      family: "other.pages",
      caller: { kind: "anonymous" } as Caller,
      build: () => ({
        request: { method: "GET", path, headers: {} },
        expect: { statuses: [200], hostile: false },
      }),
    })),
  );
  add(
    1,
    fc
      .oneof(
        fc.constantFrom(
          "/reports/popularity/x",
          "/api",
          "/api/trpc",
          "/.env",
          "/reports/../.env",
          "/%00",
          "/api/trpc/",
        ),
        fc.webPath(),
      )
      .map((path) => ({
        family: "other.unknown-path",
        caller: { kind: "anonymous" } as Caller,
        build: () => ({
          request: { method: "GET", path: path.startsWith("/") ? path : `/${path}`, headers: {} },
          expect: { hostile: false, bareAnswer: true },
        }),
      })),
  );

  return fc.oneof(...cases);
}
