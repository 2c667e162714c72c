// What the web app's tRPC endpoint and typed clients use.
export { createContext } from "./context.ts";
export { type AppRouter, appRouter } from "./root.ts";
