import { router } from "./init.ts";
import { adminRouter } from "./routers/admin.ts";
import { catalogueRouter } from "./routers/catalogue.ts";
import { reportPreviewsRouter } from "./routers/report-previews.ts";
import { reportsRouter } from "./routers/reports.ts";
import { schedulesRouter } from "./routers/schedules/index.ts";

export const appRouter = router({
  reports: reportsRouter,
  reportPreviews: reportPreviewsRouter,
  catalogue: catalogueRouter,
  admin: adminRouter,
  schedules: schedulesRouter,
});

/** The router's type, for typed clients: `createTRPCClient<AppRouter>(...)`. */
export type AppRouter = typeof appRouter;
