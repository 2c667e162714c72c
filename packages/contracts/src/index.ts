export * from "./dashboard.ts";
export * from "./errors.ts";
export * from "./messages.ts";
export * from "./reports.ts";
