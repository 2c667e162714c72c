import {
  type AuthConfig,
  type AuthVerifier,
  createAuthVerifier,
  createDownloadUrlSigner,
  createQueueCountsReader,
  createReportLimiter,
  type DownloadUrlSigner,
  type QueueCountsReader,
  type ReportLimiter,
} from "@reports/api";
import {
  createBlobClients,
  createServiceBusAdministrationClient,
  entraPostgresPassword,
} from "@reports/azure";
import { createDb, type Db } from "@reports/db";
import { createLogger, type Logger } from "@reports/runtime";
import { activeTraceIds } from "@reports/telemetry";
import { getWebEnv, type TWebEnv } from "./env.ts";

/** Everything a request handler needs; one of each per process. */
export interface WebDeps {
  db: Db;
  auth: AuthVerifier;
  signer: DownloadUrlSigner;
  log: Logger;
  /** Per-user limits on report requests, counted in PostgreSQL (shared by every instance). */
  limits: ReportLimiter;
  /** The broker's queue counts for the operator console, when Service Bus is configured. */
  broker?: QueueCountsReader | undefined;
  /** Schedules one user may have (SCHEDULES_MAX_PER_USER); the service's default when absent. */
  schedulesMaxPerUser?: number;
}

/** How the API verifies bearer tokens under this configuration. */
export function authConfig(env: TWebEnv): AuthConfig {
  if (env.AUTH_MODE === "oidc") {
    return {
      mode: "oidc",
      issuer: env.AUTH_ISSUER!,
      audience: env.AUTH_AUDIENCE!,
      jwksUrl: env.AUTH_JWKS_URL!,
      scope: env.AUTH_API_SCOPE,
      role: env.AUTH_API_ROLE,
      adminRole: env.AUTH_ADMIN_ROLE,
    };
  }
  return { mode: "development", secret: env.AUTH_DEV_SECRET!, admins: env.AUTH_DEV_ADMINS };
}

/** Builds the process's dependencies from validated configuration. */
export function createWebDeps(env: TWebEnv): WebDeps {
  const log = createLogger({
    name: "web",
    level: env.LOG_LEVEL,
    pretty: env.LOG_PRETTY,
    mixin: activeTraceIds,
  });
  const db = createDb({
    url: env.DATABASE_URL,
    applicationName: "reports-web",
    ...(env.DATABASE_AUTH === "entra" ? { password: entraPostgresPassword() } : {}),
  });
  const signer = createDownloadUrlSigner(createBlobClients(env), {
    container: env.BLOB_CONTAINER,
    ttlSeconds: env.DOWNLOAD_URL_TTL_SECONDS,
    // Azurite speaks http only; real storage accounts get https-only links.
    allowHttp: env.APP_ENV !== "production",
  });
  const limits = createReportLimiter(db, {
    maxActivePerUser: env.REPORTS_MAX_ACTIVE_PER_USER,
    requestsPerMinute: env.REPORT_REQUESTS_PER_MINUTE,
  });
  const broker =
    env.SERVICEBUS_CONNECTION_STRING || env.SERVICEBUS_NAMESPACE
      ? createQueueCountsReader(createServiceBusAdministrationClient(env), env.SERVICEBUS_QUEUE)
      : undefined;
  return {
    db,
    auth: createAuthVerifier(authConfig(env)),
    signer,
    log,
    limits,
    broker,
    schedulesMaxPerUser: env.SCHEDULES_MAX_PER_USER,
  };
}

// Kept on globalThis so `next dev` module reloads do not open a new pool each time.
const holder = globalThis as typeof globalThis & { __reportsWebDeps?: WebDeps };

/** The per-process singleton, created on first use. */
export function getDeps(): WebDeps {
  holder.__reportsWebDeps ??= createWebDeps(getWebEnv());
  return holder.__reportsWebDeps;
}

/**
 * Replaces the singleton (tests point the handlers at their own database, Azurite and auth
 * this way); `undefined` clears it. Does not close the previous deps: their owner does.
 */
export function setDeps(deps: WebDeps | undefined): void {
  holder.__reportsWebDeps = deps;
}
