import {
  createAuthVerifier,
  createReportLimiter,
  type DownloadUrlSigner,
  type ReportLimiter,
  signDevelopmentToken,
} from "@reports/api";
import type { Db } from "@reports/db";
import { createLogger, parseConfig } from "@reports/runtime";
import { setDeps, type WebDeps } from "../server/deps.ts";
import { setWebEnv, ZWebEnv } from "../server/env.ts";

export const TEST_SECRET = "web-route-tests-secret-at-least-32-chars";

/** The one development user the route tests' verifier treats as an operator. */
export const TEST_ADMIN = "test-operator";

/** A small per-user schedule maximum, so route tests reach it. */
export const TEST_SCHEDULES_MAX_PER_USER = 5;

/** Links that name the blob; the api package's tests download real ones from Azurite. */
export const testSigner: DownloadUrlSigner = {
  createDownloadUrl: async ({ blobName }) => `https://storage.test/reports/${blobName}?sp=r&sig=test`,
};

/** Limits far above what a test file requests; the limits' own tests set theirs. */
export function testLimits(db: Db): ReportLimiter {
  return createReportLimiter(db, { maxActivePerUser: 1_000, requestsPerMinute: 10_000 });
}

/**
 * Points the route handlers at `db` with development auth, as the singleton would, under a
 * development configuration (handlers read settings such as APP_ENV from it; their clients
 * are the deps given here, so its database URL is never used).
 */
export function useTestDeps(db: Db): WebDeps {
  setWebEnv(
    parseConfig(ZWebEnv, {
      APP_ENV: "development",
      DATABASE_URL: "postgresql://route-tests@127.0.0.1/unused",
      BLOB_CONNECTION_STRING: "UseDevelopmentStorage=true",
      AUTH_DEV_SECRET: TEST_SECRET,
    }),
  );
  const deps: WebDeps = {
    db,
    auth: createAuthVerifier({ mode: "development", secret: TEST_SECRET, admins: [TEST_ADMIN] }),
    signer: testSigner,
    log: createLogger({ name: "web-test", level: "silent" }),
    limits: testLimits(db),
    schedulesMaxPerUser: TEST_SCHEDULES_MAX_PER_USER,
  };
  setDeps(deps);
  return deps;
}

export function tokenFor(userId: string): Promise<string> {
  return signDevelopmentToken(TEST_SECRET, userId);
}

export const BASE_URL = "http://localhost:3000";
