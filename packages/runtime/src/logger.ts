import { type Logger, pino } from "pino";

export type { Logger } from "pino";

export interface LoggerOptions {
  name: string;
  level?: string;
  /** Human-readable output; for development only. */
  pretty?: boolean;
}

/**
 * The one way processes create their root logger. Secrets must never reach it: the
 * redaction list is a safety net for the usual suspects, not a licence to log them.
 */
export function createLogger({ name, level = "info", pretty = false }: LoggerOptions): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        "connectionString",
        "*.connectionString",
        "password",
        "*.password",
        "token",
        "*.token",
        "authorization",
        "*.authorization",
        "headers.authorization",
        "req.headers.authorization",
      ],
      censor: "[redacted]",
    },
    ...(pretty
      ? { transport: { target: "pino-pretty", options: { colorize: true, ignore: "pid,hostname" } } }
      : {}),
  });
}
