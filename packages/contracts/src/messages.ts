import { z } from "zod";
import { ZPopularityReportParameters, ZReportKind } from "./reports.ts";

export const EXPORT_REQUESTED_V1 = "reports.export-requested.v1";

/** Body of the message that asks the worker to export one report. */
export const ZExportRequestedV1 = z.object({
  type: z.literal(EXPORT_REQUESTED_V1),
  reportId: z.uuid(),
  kind: ZReportKind,
  ownerId: z.string().min(1),
  parameters: ZPopularityReportParameters,
  requestedAt: z.iso.datetime(),
});
export type TExportRequestedV1 = z.infer<typeof ZExportRequestedV1>;

/** Every message type the worker understands, keyed by its `type`. */
export const ZReportMessage = z.discriminatedUnion("type", [ZExportRequestedV1]);
export type TReportMessage = z.infer<typeof ZReportMessage>;

/**
 * Why a report message was dead-lettered (its `deadLetterReason`). The worker sets the first
 * four itself, with a description; the broker sets the last two.
 */
export const ZDeadLetterReason = z.enum([
  /** The body is not JSON, or does not match its type's contract. */
  "MalformedMessage",
  /** A `type` this worker does not understand. */
  "UnknownMessageType",
  /** No report with the message's id. */
  "UnknownReport",
  /** The export failed on its last allowed delivery; the report is already Failed. */
  "ExportFailed",
  /** Delivered maxDeliveryCount times without being settled: a worker died on each. */
  "MaxDeliveryCountExceeded",
  /** Nobody received it before its time to live ran out. */
  "TTLExpiredException",
]);
export type TDeadLetterReason = z.infer<typeof ZDeadLetterReason>;

/** The reasons the worker gives when it dead-letters a message itself. */
export type TWorkerDeadLetterReason = Exclude<
  TDeadLetterReason,
  "MaxDeliveryCountExceeded" | "TTLExpiredException"
>;
