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
