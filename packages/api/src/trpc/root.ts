import { createCallerFactory, router } from "./init.ts";
import { reportsRouter } from "./routers/reports.ts";

export const appRouter = router({
  reports: reportsRouter,
});

/** The router's type, for typed clients: `createTRPCClient<AppRouter>(...)`. */
export type AppRouter = typeof appRouter;

/** Server-side caller (tests, server components): `createCaller(createContextInner(deps))`. */
export const createCaller = createCallerFactory(appRouter);
