import { createAuthVerifier, type DownloadUrlSigner, signDevelopmentToken } from "@reports/api";
import type { Db } from "@reports/db";
import { createLogger } from "@reports/runtime";
import { setDeps, type WebDeps } from "../server/deps.ts";

export const TEST_SECRET = "web-route-tests-secret-at-least-32-chars";

/** Links that name the blob; the api package's tests download real ones from Azurite. */
export const testSigner: DownloadUrlSigner = {
  createDownloadUrl: async ({ blobName }) => `https://storage.test/reports/${blobName}?sp=r&sig=test`,
};

/** Points the route handlers at `db` with development auth, as the singleton would. */
export function useTestDeps(db: Db): WebDeps {
  const deps: WebDeps = {
    db,
    auth: createAuthVerifier({ mode: "development", secret: TEST_SECRET }),
    signer: testSigner,
    log: createLogger({ name: "web-test", level: "silent" }),
  };
  setDeps(deps);
  return deps;
}

export function tokenFor(userId: string): Promise<string> {
  return signDevelopmentToken(TEST_SECRET, userId);
}

export const BASE_URL = "http://localhost:3000";
