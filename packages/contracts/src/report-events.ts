import { z } from "zod";
import { ZReportStatus } from "./report-lifecycle.ts";

/**
 * The payload of a `report_events` notification: a trigger on `reports` sends one on every
 * insert and update (packages/db/prisma/migrations/*_report_cancel_expire_events). Listeners
 * re-read the row for anything else; `ownerId` is null when it was too long for a payload.
 */
export const ZReportChangeNotice = z.object({
  reportId: z.uuid(),
  ownerId: z.string().nullable(),
  status: ZReportStatus,
  /** The row's version after the change; increases by one with every update. */
  version: z.number().int().positive(),
});
export type TReportChangeNotice = z.infer<typeof ZReportChangeNotice>;
