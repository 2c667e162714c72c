export {
  type ApiDeps,
  type Context,
  type CreateContextInnerOptions,
  type CreateContextOptions,
  createContext,
  createContextInner,
} from "./context.ts";
export { createCallerFactory, protectedProcedure, publicProcedure, router } from "./init.ts";
export { type AppRouter, appRouter, createCaller } from "./root.ts";
