import { z } from "zod";
import { createDocument, type ZodOpenApiResponseObject } from "zod-openapi";
import { ZProblem } from "./errors.ts";
import { createAdminPaths } from "./openapi-admin.ts";
import {
  ZListReportsInput,
  ZPopularityReportParameters,
  ZReport,
  ZReportAccepted,
  ZReportPage,
} from "./reports.ts";

/** Body of GET /healthz. */
export const ZHealth = z
  .object({
    status: z.enum(["ok", "unavailable"]),
    /** Why the app is unavailable (e.g. the database cannot be reached). */
    reason: z.string().optional(),
  })
  .meta({ id: "Health" });
export type THealth = z.infer<typeof ZHealth>;

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

const problem = (description: string): ZodOpenApiResponseObject => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ZProblem } },
});

const retryAfter = z
  .string()
  .regex(/^\d+$/)
  .meta({ description: "Seconds to wait before polling again.", example: "2" });

const unauthorized = problem("No bearer token, or one that is invalid or expired.");
const badRequest = problem("Invalid input (or a body that is not JSON); `errors` names each bad field.");
const unavailable: ZodOpenApiResponseObject = {
  ...problem("The database is unreachable; nothing was accepted. Retry after the given delay."),
  headers: z.object({ "Retry-After": retryAfter }),
};

const reportIdPath = z.object({
  reportId: z.uuid().meta({ description: "The id returned by POST /reports/popularity." }),
});

export interface OpenApiDocumentOptions {
  /** Public base URL of the API, e.g. `https://reports.example.com`; omitted = same origin. */
  serverUrl?: string;
  version?: string;
}

/**
 * The OpenAPI 3.1 document of the REST API, generated from the same zod contracts the
 * handlers validate with (never written by hand).
 */
export function createOpenApiDocument(options: OpenApiDocumentOptions = {}) {
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "MusicAlbums report exports",
      version: options.version ?? "1.0.0",
      // The repository grants no licence (there is no LICENSE file), so the API is proprietary;
      // SPDX's LicenseRef- form names a licence that is not on its list. Change it here if the
      // project takes one.
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
      description:
        "Asynchronous report exports. Request a popularity report, poll the URL in `Location` " +
        "(honouring `Retry-After`) until it is `Completed` or `Failed`, then download the CSV " +
        "from the short-lived `downloadUrl`. Errors are `application/problem+json` (RFC 9457).",
    },
    servers: [{ url: options.serverUrl ?? "/" }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: "reports", description: "Request, watch and download reports." },
      { name: "operations", description: "Health." },
      { name: "admin", description: "The operator console's data and actions; the admin role only." },
    ],
    // Schemas become components through `.meta({ id })` on the contracts, and are rendered only
    // in the context they are used in (request or response). Listing them in
    // `components.schemas` instead made zod-openapi also render an input version of each listed
    // schema that another listed one refers to (Report inside ReportPage, FieldError inside
    // Problem): components nothing used.
    components: {
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "An OpenID Connect access token (production) or a development token from " +
            "`npm run token -- --user <id>` (local stack).",
        },
      },
    },
    paths: {
      "/reports/popularity": {
        post: {
          tags: ["reports"],
          operationId: "requestPopularityReport",
          summary: "Request a popularity report",
          description:
            "Accepts the request (report row and outbox row in one transaction) and answers " +
            "202 at once; the report is computed asynchronously. The same `Idempotency-Key` " +
            "from the same user returns the same report.",
          requestParams: {
            header: z.object({
              "Idempotency-Key": z
                .string()
                .min(1)
                .max(255)
                .optional()
                .meta({ description: "Makes retries of this request safe." }),
              traceparent: z
                .string()
                .optional()
                .meta({ description: "W3C trace context, carried to the worker." }),
            }),
          },
          requestBody: {
            required: false,
            description: "The report parameters; all optional. An empty body means the defaults.",
            content: { "application/json": { schema: ZPopularityReportParameters } },
          },
          responses: {
            "202": {
              description: "Accepted; poll `Location`.",
              headers: z.object({
                Location: z.string().meta({ description: "/reports/{reportId}", example: "/reports/<uuid>" }),
                "Retry-After": retryAfter,
              }),
              content: { "application/json": { schema: ZReportAccepted } },
            },
            "400": badRequest,
            "401": unauthorized,
            "409": problem("The Idempotency-Key was used before with different parameters."),
            "503": unavailable,
          },
        },
      },
      "/reports/{reportId}": {
        get: {
          tags: ["reports"],
          operationId: "getReport",
          summary: "Get a report's status (and its download link once completed)",
          requestParams: { path: reportIdPath },
          responses: {
            "200": {
              description:
                "The report. `Retry-After` is sent while it is Pending or Processing; " +
                "`downloadUrl` is minted per request and expires within minutes.",
              headers: z.object({ "Retry-After": retryAfter.optional() }),
              content: { "application/json": { schema: ZReport } },
            },
            "400": problem("The id is not a UUID."),
            "401": unauthorized,
            "404": problem("No such report for this user."),
            "503": unavailable,
          },
        },
      },
      "/reports": {
        get: {
          tags: ["reports"],
          operationId: "listReports",
          summary: "List the caller's reports, newest first",
          requestParams: { query: ZListReportsInput },
          responses: {
            "200": {
              description: "One page; pass `nextCursor` as `cursor` for the next.",
              content: { "application/json": { schema: ZReportPage } },
            },
            "400": badRequest,
            "401": unauthorized,
            "503": unavailable,
          },
        },
      },
      ...createAdminPaths({ problem, unauthorized, badRequest, unavailable }),
      "/healthz": {
        get: {
          tags: ["operations"],
          operationId: "getHealth",
          summary: "Liveness and database reachability",
          security: [],
          responses: {
            "200": {
              description: "The app can reach its database.",
              content: { "application/json": { schema: ZHealth } },
            },
            "503": {
              description: "The database cannot be reached.",
              content: { "application/json": { schema: ZHealth } },
            },
          },
        },
      },
    },
  });
}

export type OpenApiDocument = ReturnType<typeof createOpenApiDocument>;
