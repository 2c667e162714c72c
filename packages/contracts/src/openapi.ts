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
import { ZCreateScheduleInput, ZSchedule, ZScheduleChanges, ZScheduleList } from "./schedules.ts";

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

const scheduleIdPath = z.object({
  scheduleId: z.uuid().meta({ description: "The id returned by POST /schedules." }),
});
const scheduleNotFound = problem("No such schedule for this user.");
const scheduleIdNotUuid = problem("The id is not a UUID.");
const scheduleResponse = (description: string): ZodOpenApiResponseObject => ({
  description,
  content: { "application/json": { schema: ZSchedule } },
});

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
      { name: "schedules", description: "Recurring exports: one report per occurrence." },
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
      "/schedules": {
        get: {
          tags: ["schedules"],
          operationId: "listSchedules",
          summary: "List the caller's schedules, newest first",
          responses: {
            "200": {
              description: "Every schedule of the caller's (there are at most SCHEDULES_MAX_PER_USER).",
              content: { "application/json": { schema: ZScheduleList } },
            },
            "401": unauthorized,
            "503": unavailable,
          },
        },
        post: {
          tags: ["schedules"],
          operationId: "createSchedule",
          summary: "Create a schedule",
          description:
            "A recurring export: at each occurrence of `recurrence` in `timeZone` the service creates " +
            "one report with `parameters`, exactly once per occurrence (after an outage, once for the " +
            "latest missed occurrence). The reports appear in GET /reports with `scheduleId` and " +
            "`scheduledFor`. A preset (`daily`, `weekly`, `monthly` at a time of day) or a five-field " +
            "cron expression, at most one occurrence an hour.",
          requestBody: {
            required: true,
            content: { "application/json": { schema: ZCreateScheduleInput } },
          },
          responses: {
            "201": {
              ...scheduleResponse("Created; `nextRunAt` is its first occurrence."),
              headers: z.object({
                Location: z
                  .string()
                  .meta({ description: "/schedules/{scheduleId}", example: "/schedules/<uuid>" }),
              }),
            },
            "400": badRequest,
            "401": unauthorized,
            "409": problem("The caller already has the most schedules allowed; delete one first."),
            "503": unavailable,
          },
        },
      },
      "/schedules/{scheduleId}": {
        get: {
          tags: ["schedules"],
          operationId: "getSchedule",
          summary: "Get a schedule",
          requestParams: { path: scheduleIdPath },
          responses: {
            "200": scheduleResponse("The schedule."),
            "400": scheduleIdNotUuid,
            "401": unauthorized,
            "404": scheduleNotFound,
            "503": unavailable,
          },
        },
        patch: {
          tags: ["schedules"],
          operationId: "updateSchedule",
          summary: "Change a schedule",
          description:
            "Changes the name, parameters, recurrence or time zone. A new recurrence or time zone " +
            "moves the next run of an active schedule to its next occurrence after now.",
          requestParams: { path: scheduleIdPath },
          requestBody: {
            required: true,
            content: { "application/json": { schema: ZScheduleChanges } },
          },
          responses: {
            "200": scheduleResponse("The changed schedule."),
            "400": badRequest,
            "401": unauthorized,
            "404": scheduleNotFound,
            "503": unavailable,
          },
        },
        delete: {
          tags: ["schedules"],
          operationId: "deleteSchedule",
          summary: "Delete a schedule",
          description: "The reports it created stay (without `scheduleId`).",
          requestParams: { path: scheduleIdPath },
          responses: {
            "204": { description: "Deleted." },
            "400": scheduleIdNotUuid,
            "401": unauthorized,
            "404": scheduleNotFound,
            "503": unavailable,
          },
        },
      },
      "/schedules/{scheduleId}/pause": {
        post: {
          tags: ["schedules"],
          operationId: "pauseSchedule",
          summary: "Pause a schedule",
          description: "No reports until resumed; pausing a paused schedule changes nothing.",
          requestParams: { path: scheduleIdPath },
          responses: {
            "200": scheduleResponse("The paused schedule (no `nextRunAt`)."),
            "400": scheduleIdNotUuid,
            "401": unauthorized,
            "404": scheduleNotFound,
            "503": unavailable,
          },
        },
      },
      "/schedules/{scheduleId}/resume": {
        post: {
          tags: ["schedules"],
          operationId: "resumeSchedule",
          summary: "Resume a schedule",
          description:
            "Reports again from the next occurrence after now; occurrences while paused are skipped. " +
            "Resuming an active schedule changes nothing.",
          requestParams: { path: scheduleIdPath },
          responses: {
            "200": scheduleResponse("The active schedule."),
            "400": scheduleIdNotUuid,
            "401": unauthorized,
            "404": scheduleNotFound,
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
