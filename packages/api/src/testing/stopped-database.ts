import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createDb, type Db } from "@reports/db";
import { startEmbeddedPostgres } from "@reports/db/embedded";

/**
 * A real PostgreSQL that is started, connected to, and then stopped: the handle's pools hold
 * connections to a server that is gone, which is what an outage looks like to a running app.
 */
export async function createStoppedDatabase(): Promise<{ db: Db; cleanup(): Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), "reports-stopped-pg-"));
  // As root the server runs as `postgres`, which must be able to reach its data dir.
  await chmod(root, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: path.join(root, "data"), relaxedDurability: true });
  const db = createDb({ url: server.adminUrl, maxConnections: 2, applicationName: "stopped-db-test" });
  await db.prisma.$queryRaw`SELECT 1`;
  await db.pool.query("SELECT 1");
  await server.stop();
  return {
    db,
    async cleanup() {
      await db.close().catch(() => {});
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A Db pointing at a port nobody listens on (connection refused). */
export async function createUnreachableDatabase(): Promise<Db> {
  const { getFreePort } = await import("@reports/runtime");
  const port = await getFreePort();
  return createDb({ url: `postgresql://postgres:postgres@127.0.0.1:${port}/reports`, maxConnections: 1 });
}
