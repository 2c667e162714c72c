export * from "./dashboard.ts";
export * from "./errors.ts";
export * from "./infrastructure.ts";
export * from "./messages.ts";
export * from "./report-events.ts";
export * from "./report-files.ts";
export * from "./report-lifecycle.ts";
export * from "./reports.ts";
