import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../embedded.ts";

import "./provided-context.ts";

/**
 * Vitest globalSetup: one embedded PostgreSQL per test run, on a free port, in a temp dir.
 * Test files get their own database from createTestDatabase(). If PostgreSQL cannot start,
 * this throws and the whole run fails: integration tests never skip.
 */
export default async function setup(project: TestProject) {
  const root = await mkdtemp(path.join(tmpdir(), "reports-pg-"));
  // As root the server runs as the `postgres` user, which must be able to reach its data dir.
  await chmod(root, 0o755);
  let server: EmbeddedPostgres;
  try {
    server = await startEmbeddedPostgres({ dataDir: path.join(root, "data"), relaxedDurability: true });
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw new Error(`Could not start the embedded PostgreSQL for integration tests: ${String(error)}`, {
      cause: error,
    });
  }
  project.provide("postgresAdminUrl", server.adminUrl);
  return async () => {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  };
}
