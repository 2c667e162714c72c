import { z } from "zod";
import type { ZodOpenApiPathsObject, ZodOpenApiResponseObject } from "zod-openapi";
import {
  ZAdminAction,
  ZAdminReportPage,
  ZAdminSearchReportsInput,
  ZDeadLetter,
  ZHistory,
  ZHistoryInput,
  ZListDeadLettersInput,
  ZPipelineSnapshot,
  ZReportStory,
} from "./admin.ts";

/** The responses every operator route shares, built by the document's own problem helper. */
export interface AdminResponses {
  problem(description: string): ZodOpenApiResponseObject;
  unauthorized: ZodOpenApiResponseObject;
  badRequest: ZodOpenApiResponseObject;
  unavailable: ZodOpenApiResponseObject;
}

const idempotencyKey = z.object({
  "Idempotency-Key": z
    .string()
    .min(1)
    .max(255)
    .optional()
    .meta({ description: "A repeat with the same key from the same operator answers the first outcome." }),
});

/** The operator console's REST routes (README, "Operator console"): the admin role or 403. */
export function createAdminPaths(responses: AdminResponses): ZodOpenApiPathsObject {
  const { problem, unauthorized, badRequest, unavailable } = responses;
  const forbidden = problem("The caller does not hold the admin role.");
  const reportId = z.object({ reportId: z.uuid().meta({ description: "Any user's report id." }) });
  const deadLetterId = z.object({
    deadLetterId: z.uuid().meta({ description: "A recorded dead letter's id." }),
  });
  const ok = (description: string, schema: z.ZodType): ZodOpenApiResponseObject => ({
    description,
    content: { "application/json": { schema } },
  });
  const read = { "400": badRequest, "401": unauthorized, "403": forbidden, "503": unavailable };
  const action = {
    ...read,
    "404": problem("No such report or dead letter."),
    "409": problem("The action does not apply in the current state (the detail says why)."),
  };
  return {
    "/admin/api/pipeline": {
      get: {
        tags: ["admin"],
        operationId: "adminGetPipeline",
        summary: "What is waiting, stuck, running and alive now",
        responses: {
          "200": ok("Outbox, broker counts, reports by status, running exports, workers.", ZPipelineSnapshot),
          ...read,
        },
      },
    },
    "/admin/api/history": {
      get: {
        tags: ["admin"],
        operationId: "adminGetHistory",
        summary: "Reports accepted, completed and failed per bucket; export duration p50 / p95",
        requestParams: { query: ZHistoryInput },
        responses: { "200": ok("One entry per bucket, oldest first.", ZHistory), ...read },
      },
    },
    "/admin/api/reports": {
      get: {
        tags: ["admin"],
        operationId: "adminSearchReports",
        summary: "Every user's reports, newest first, filtered",
        requestParams: { query: ZAdminSearchReportsInput },
        responses: {
          "200": ok("One page; pass `nextCursor` as `cursor` for the next.", ZAdminReportPage),
          ...read,
        },
      },
    },
    "/admin/api/reports/{reportId}": {
      get: {
        tags: ["admin"],
        operationId: "adminGetReportStory",
        summary: "A report's whole story, with the error detail and its trace id",
        requestParams: { path: reportId },
        responses: {
          "200": ok("The report, its messages and every recorded moment.", ZReportStory),
          ...read,
          "404": problem("No such report."),
        },
      },
    },
    "/admin/api/reports/{reportId}/cancel": {
      post: {
        tags: ["admin"],
        operationId: "adminCancelReport",
        summary: "Cancel any user's Pending or Processing report",
        requestParams: { path: reportId, header: idempotencyKey },
        responses: {
          "200": ok("Recorded: who, when, the report's status after it.", ZAdminAction),
          ...action,
        },
      },
    },
    "/admin/api/reports/{reportId}/retry": {
      post: {
        tags: ["admin"],
        operationId: "adminRetryReport",
        summary: "Send a Failed report back to Pending with a new export request",
        requestParams: { path: reportId, header: idempotencyKey },
        responses: {
          "200": ok("Recorded: who, when, the report's status after it.", ZAdminAction),
          ...action,
        },
      },
    },
    "/admin/api/dead-letters": {
      get: {
        tags: ["admin"],
        operationId: "adminListDeadLetters",
        summary: "Dead-lettered messages the worker recorded, newest first",
        requestParams: { query: ZListDeadLettersInput },
        responses: { "200": ok("The dead letters.", z.object({ items: z.array(ZDeadLetter) })), ...read },
      },
    },
    "/admin/api/dead-letters/{deadLetterId}": {
      get: {
        tags: ["admin"],
        operationId: "adminGetDeadLetter",
        summary: "One dead-lettered message, whole",
        requestParams: { path: deadLetterId },
        responses: {
          "200": ok("Body, properties, reason, and whether it was re-driven.", ZDeadLetter),
          ...read,
          "404": problem("No such dead letter."),
        },
      },
    },
    "/admin/api/dead-letters/{deadLetterId}/redrive": {
      post: {
        tags: ["admin"],
        operationId: "adminRedriveDeadLetter",
        summary: "Send a dead-lettered message back to the queue; its report goes back to Pending",
        requestParams: { path: deadLetterId, header: idempotencyKey },
        responses: {
          "200": ok("Recorded: who, when, the report's status after it.", ZAdminAction),
          ...action,
        },
      },
    },
  };
}
