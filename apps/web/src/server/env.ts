import { BLOB_ENV_FIELDS, DATABASE_AUTH_ENV_FIELDS, refineBlobEnv } from "@reports/azure";
import { BASE_ENV_FIELDS, parseConfig, zPositiveInt, zPostgresUrl } from "@reports/runtime";
import { z } from "zod";

/** The web app's configuration: every variable it reads, validated once. */
export const ZWebEnv = z
  .object({
    ...BASE_ENV_FIELDS,
    /**
     * Where the app runs. Not NODE_ENV: Next.js forces NODE_ENV=production for every built
     * app, the local stack's included. Defaults to production so that forgetting it can only
     * make the app stricter (no development sign-in, https-only links).
     */
    APP_ENV: z.enum(["development", "production"]).default("production"),
    DATABASE_URL: zPostgresUrl,
    ...DATABASE_AUTH_ENV_FIELDS,
    ...BLOB_ENV_FIELDS,
    AUTH_MODE: z.enum(["development", "oidc"]).default("development"),
    /** HS256 secret of development tokens (local stack). */
    AUTH_DEV_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    AUTH_ISSUER: z.string().min(1).optional(),
    AUTH_AUDIENCE: z.string().min(1).optional(),
    AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
    DOWNLOAD_URL_TTL_SECONDS: zPositiveInt.max(7 * 24 * 3600).default(300),
  })
  .superRefine((env, ctx) => {
    refineBlobEnv(env, ctx);
    if (env.AUTH_MODE === "development") {
      if (env.APP_ENV === "production") {
        ctx.addIssue({
          code: "custom",
          path: ["AUTH_MODE"],
          message:
            "development auth is refused when APP_ENV=production; set AUTH_MODE=oidc (or APP_ENV=development locally)",
        });
      }
      if (!env.AUTH_DEV_SECRET) {
        ctx.addIssue({
          code: "custom",
          path: ["AUTH_DEV_SECRET"],
          message: "required when AUTH_MODE=development",
        });
      }
    } else {
      for (const name of ["AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_JWKS_URL"] as const) {
        if (!env[name])
          ctx.addIssue({ code: "custom", path: [name], message: "required when AUTH_MODE=oidc" });
      }
    }
  });
export type TWebEnv = z.infer<typeof ZWebEnv>;

let cached: TWebEnv | undefined;

/**
 * Parsed on first use, not at import: `next build` imports every route without the runtime
 * environment. Throws a ConfigError naming each bad variable.
 */
export function getWebEnv(): TWebEnv {
  cached ??= parseConfig(ZWebEnv);
  return cached;
}
