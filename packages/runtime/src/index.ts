export { type BackoffOptions, computeBackoffMs, sleep } from "./backoff.ts";
export {
  ALWAYS_REFINE,
  BASE_ENV_FIELDS,
  ConfigError,
  parseConfig,
  zBooleanString,
  zLogLevel,
  zPort,
  zPositiveInt,
  zPostgresUrl,
} from "./config.ts";
export {
  type Closable,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  Deadline,
  DUPLICATE_SIGNAL_WINDOW_MS,
  idempotentClose,
  RELEASE_RESERVE_MS,
  type RunProcessOptions,
  runUntilSignalled,
} from "./lifecycle.ts";
export { createLogger, type Logger, type LoggerOptions } from "./logger.ts";
export { getFreePort, isPortInUse } from "./ports.ts";
