import { z } from "zod";

/** Thrown when the environment does not satisfy a process's configuration schema. */
export class ConfigError extends Error {
  readonly issues: ReadonlyArray<{ variable: string; message: string }>;

  constructor(issues: ReadonlyArray<{ variable: string; message: string }>) {
    super(
      `Invalid configuration:\n${issues.map((issue) => `  ${issue.variable}: ${issue.message}`).join("\n")}`,
    );
    this.name = "ConfigError";
    this.issues = issues;
  }
}

type Env = Record<string, string | undefined>;

/**
 * Validates the environment once, at start. Empty strings count as unset so that
 * `FOO= npm start` behaves like not setting FOO at all.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: Env = process.env): z.output<S> {
  const cleaned: Env = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== "") cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: issue.path.length > 0 ? issue.path.join(".") : "(environment)",
      message: issue.message,
    })),
  );
}

/**
 * `.superRefine(check, ALWAYS_REFINE)`: run a check across variables even when a field has
 * already failed, so that one start names every bad variable (zod skips an object's
 * refinements once a field has an issue). The check then sees failed fields' raw values and
 * must test their types itself rather than trust the schema's output type.
 */
export const ALWAYS_REFINE = { when: () => true };

/** "true"/"1"/"yes" and "false"/"0"/"no", case-insensitive. */
export const zBooleanString = z.string().transform((value, ctx) => {
  const normalised = value.trim().toLowerCase();
  if (["true", "1", "yes"].includes(normalised)) return true;
  if (["false", "0", "no"].includes(normalised)) return false;
  ctx.addIssue({ code: "custom", message: `expected true or false, got "${value}"` });
  return z.NEVER;
});

/** A TCP port, 0 meaning "pick a free one". */
export const zPort = z.coerce.number().int().min(0).max(65_535);

/** A positive integer given as a string. */
export const zPositiveInt = z.coerce.number().int().positive();

export const zLogLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/** A postgres:// or postgresql:// URL. */
export const zPostgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), "expected a postgres:// or postgresql:// URL");

/** Variables every process reads; apps spread these into their own schema. */
export const BASE_ENV_FIELDS = {
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  LOG_LEVEL: zLogLevel.default("info"),
  /** Human-readable logs (development only; JSON lines otherwise). */
  LOG_PRETTY: zBooleanString.default(false),
};
