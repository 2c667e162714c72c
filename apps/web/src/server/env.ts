import { DEFAULT_SCHEDULES_MAX_PER_USER } from "@reports/api";
import {
  BLOB_ENV_FIELDS,
  DATABASE_AUTH_ENV_FIELDS,
  refineBlobEnv,
  SERVICE_BUS_ENV_FIELDS,
} from "@reports/azure";
import { ALWAYS_REFINE, BASE_ENV_FIELDS, parseConfig, zPositiveInt, zPostgresUrl } from "@reports/runtime";
import { TELEMETRY_ENV_FIELDS } from "@reports/telemetry";
import { z } from "zod";

/** One scope or app role name as a token carries it (RFC 6749 §3.3 scope-token characters). */
const zClaimValue = z
  .string()
  .trim()
  .regex(/^[!#-[\]-~]+$/, "one name, without spaces, quotes or backslashes");

/**
 * The web app's configuration: every variable it reads, validated once. The checks across
 * variables run even when a field already failed (ALWAYS_REFINE), so one start names every
 * bad variable; they read failed fields' raw values, hence their own type tests.
 */
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
    // Optional here: the operator console reads the queue's counts from the broker; without
    // either variable it says the broker is not configured.
    ...SERVICE_BUS_ENV_FIELDS,
    ...TELEMETRY_ENV_FIELDS,
    AUTH_MODE: z.enum(["development", "oidc"]).default("development"),
    /** HS256 secret of development tokens (local stack). */
    AUTH_DEV_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    AUTH_ISSUER: z.string().min(1).optional(),
    AUTH_AUDIENCE: z.string().min(1).optional(),
    AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
    /**
     * oidc mode: the delegated permission (scope) a user's access token must carry in `scp`;
     * the name alone (Entra's `scp` holds `Reports.ReadWrite`, not the Application ID URI).
     */
    AUTH_API_SCOPE: zClaimValue.default("Reports.ReadWrite"),
    /** oidc mode: the app role an application's own access token (no user) must carry in `roles`. */
    AUTH_API_ROLE: zClaimValue.default("Reports.ReadWrite.All"),
    /** oidc mode: the app role (in `roles`) of an operator, who may use the console at /admin. */
    AUTH_ADMIN_ROLE: zClaimValue.default("Reports.Admin"),
    /**
     * development mode: comma-separated user names who are operators (the local stack's
     * console users); development tokens carry no roles.
     */
    AUTH_DEV_ADMINS: z
      .string()
      .default("")
      .transform((value) =>
        value
          .split(",")
          .map((name) => name.trim())
          .filter((name) => name !== ""),
      ),
    /**
     * The dashboard's public origin (https://reports.example.com), oidc mode: the browser
     * sign-in's redirect URI is `<PUBLIC_URL>/api/session/callback`. Configured rather than
     * taken from the Host header, which the ingress or a client can set to anything.
     */
    PUBLIC_URL: z
      .url({ protocol: /^https?$/ })
      .transform((value) => value.replace(/\/+$/, ""))
      .optional(),
    /** Application (client) id of the dashboard at the identity provider: a public client (PKCE, no secret). */
    AUTH_OIDC_CLIENT_ID: z.string().trim().min(1).optional(),
    /**
     * Scopes of the browser sign-in, space-separated. Default:
     * `openid profile <AUTH_AUDIENCE>/.default` (Entra's way of asking for an
     * access token whose audience is AUTH_AUDIENCE); other providers need their own.
     */
    AUTH_OIDC_SCOPES: z.string().trim().min(1).optional(),
    /** Shown on the sign-in button ("Sign in with …"); default derived from AUTH_ISSUER. */
    AUTH_OIDC_PROVIDER_NAME: z.string().trim().min(1).max(64).optional(),
    DOWNLOAD_URL_TTL_SECONDS: zPositiveInt.max(7 * 24 * 3600).default(300),
    /**
     * Reports one user may have Pending or Processing at once; one more is a 429. Bounds the
     * backlog one user can put in front of everyone else's reports.
     */
    REPORTS_MAX_ACTIVE_PER_USER: zPositiveInt.max(10_000).default(5),
    /** Report requests one user may make per minute (idempotent replays are free); then 429. */
    REPORT_REQUESTS_PER_MINUTE: zPositiveInt.max(100_000).default(20),
    /** Schedules one user may have; the next POST /schedules answers 409. */
    SCHEDULES_MAX_PER_USER: zPositiveInt.max(1_000).default(DEFAULT_SCHEDULES_MAX_PER_USER),
  })
  .superRefine(refineBlobEnv, ALWAYS_REFINE)
  .superRefine(refineAuthEnv, ALWAYS_REFINE)
  .superRefine((env: { SERVICEBUS_CONNECTION_STRING?: unknown; SERVICEBUS_NAMESPACE?: unknown }, ctx) => {
    if (env.SERVICEBUS_CONNECTION_STRING !== undefined && env.SERVICEBUS_NAMESPACE !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["SERVICEBUS_NAMESPACE"],
        message: "set either SERVICEBUS_CONNECTION_STRING or SERVICEBUS_NAMESPACE, not both",
      });
    }
  }, ALWAYS_REFINE);
export type TWebEnv = z.infer<typeof ZWebEnv>;

/** What the refinements read, as they may find it: a failed field keeps its raw value. */
type WebEnvFields = Partial<Record<"APP_ENV" | "AUTH_MODE" | "AUTH_DEV_SECRET" | OidcVariable, unknown>>;

/** What oidc mode cannot do without. */
const OIDC_REQUIRED = [
  "AUTH_ISSUER",
  "AUTH_AUDIENCE",
  "AUTH_JWKS_URL",
  "AUTH_OIDC_CLIENT_ID",
  "PUBLIC_URL",
] as const;
type OidcVariable = (typeof OIDC_REQUIRED)[number] | "AUTH_OIDC_SCOPES";

/** The settings each auth mode needs, and development auth never in production. */
function refineAuthEnv(env: WebEnvFields, ctx: z.RefinementCtx): void {
  if (env.AUTH_MODE === "development") {
    if (env.APP_ENV === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_MODE"],
        message:
          "development auth is refused when APP_ENV=production; set AUTH_MODE=oidc (or APP_ENV=development locally)",
      });
    }
    if (env.AUTH_DEV_SECRET === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_DEV_SECRET"],
        message: "required when AUTH_MODE=development",
      });
    }
  } else if (env.AUTH_MODE === "oidc") {
    for (const name of OIDC_REQUIRED) {
      if (env[name] === undefined)
        ctx.addIssue({ code: "custom", path: [name], message: "required when AUTH_MODE=oidc" });
    }
    refineOidcEnv(env, ctx);
  }
}

/** What the browser sign-in needs beyond presence: URLs it can use and an OpenID scope. */
function refineOidcEnv(env: WebEnvFields, ctx: z.RefinementCtx): void {
  const httpsOnly = env.APP_ENV === "production";
  if (typeof env.AUTH_ISSUER === "string") {
    // Discovery is `<AUTH_ISSUER>/.well-known/openid-configuration`.
    const issuer = URL.parse(env.AUTH_ISSUER);
    if (!issuer || !/^https?:$/.test(issuer.protocol) || (httpsOnly && issuer.protocol !== "https:")) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_ISSUER"],
        message: `must be an ${httpsOnly ? "https" : "http(s)"} URL in oidc mode (its discovery document is read)`,
      });
    }
  }
  // An unparseable PUBLIC_URL has its own issue already.
  const url = typeof env.PUBLIC_URL === "string" ? URL.parse(env.PUBLIC_URL) : null;
  if (url) {
    if (url.pathname !== "/" || url.search || url.hash) {
      ctx.addIssue({
        code: "custom",
        path: ["PUBLIC_URL"],
        message: "must be an origin only, e.g. https://reports.example.com (no path, query or fragment)",
      });
    } else if (httpsOnly && url.protocol !== "https:") {
      ctx.addIssue({
        code: "custom",
        path: ["PUBLIC_URL"],
        message: "must be https when APP_ENV=production",
      });
    }
  }
  if (typeof env.AUTH_OIDC_SCOPES === "string" && !env.AUTH_OIDC_SCOPES.split(/\s+/).includes("openid")) {
    ctx.addIssue({
      code: "custom",
      path: ["AUTH_OIDC_SCOPES"],
      message: 'must include "openid" (the sign-in needs an ID token)',
    });
  }
}

let cached: TWebEnv | undefined;

/**
 * Parsed on first use, not at import: `next build` imports every route without the runtime
 * environment. Throws a ConfigError naming each bad variable.
 */
export function getWebEnv(): TWebEnv {
  cached ??= parseConfig(ZWebEnv);
  return cached;
}

/**
 * Replaces the parsed configuration (tests run the route handlers under a configuration of
 * their own this way); `undefined` makes the next `getWebEnv()` parse the environment again.
 */
export function setWebEnv(env: TWebEnv | undefined): void {
  cached = env;
}
