import { type DestinationStream, type Logger, pino } from "pino";
import pinoPretty from "pino-pretty";

export type { Logger } from "pino";

export interface LoggerOptions {
  name: string;
  level?: string;
  /** Human-readable output; for development only. */
  pretty?: boolean;
  /**
   * Colours in pretty output. By default only when stdout is a terminal (and NO_COLOR is
   * unset, or FORCE_COLOR set), so that a log redirected to a file has no escape codes.
   */
  colorize?: boolean;
  /** Where to write (default stdout). */
  destination?: DestinationStream;
  /** Fields added to every line (the active trace's ids when tracing is on). */
  mixin?: () => object;
}

/**
 * The one way processes create their root logger. Secrets must never reach it: the
 * redaction list is a safety net for the usual suspects, not a licence to log them.
 */
export function createLogger({
  name,
  level = "info",
  pretty = false,
  colorize,
  destination,
  mixin,
}: LoggerOptions): Logger {
  const options = {
    name,
    level,
    ...(mixin ? { mixin } : {}),
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
  };
  if (!pretty) return destination ? pino(options, destination) : pino(options);
  // Pretty output is formatted on this thread and written synchronously: a development
  // process's last lines (a shutdown's) are not lost when it exits, and they interleave
  // in order with what else it prints.
  return pino(
    options,
    pinoPretty({
      ignore: "pid,hostname",
      sync: true,
      ...(colorize === undefined ? {} : { colorize }),
      ...(destination ? { destination } : {}),
    }),
  );
}
