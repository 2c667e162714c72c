import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createDb, type Db } from "./client.ts";
import { migrate } from "./migrate.ts";
import "./testing/provided-context.ts";

export interface TestDatabase {
  /** URL of the fresh, fully migrated database. */
  url: string;
  /** createDb() on that database. */
  db: Db;
  /** Closes `db` and drops the database; idempotent. */
  drop(): Promise<void>;
}

/** Runs one statement on its own connection and returns the rows (tests' one-off checks). */
export async function queryRows<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Connection URL of `database` on the server behind `adminUrl`. */
export function replaceDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A uniquely named database with every migration applied, on the embedded PostgreSQL the
 * global setup started (packages/db/src/testing/global-setup.ts). Call it in a test file's
 * `beforeAll` and `drop()` in `afterAll`, so test files never share state.
 */
export async function createTestDatabase(options: { name?: string } = {}): Promise<TestDatabase> {
  const adminUrl = inject("postgresAdminUrl");
  if (!adminUrl) {
    throw new Error(
      'postgresAdminUrl was not provided: add globalSetup: ["../../packages/db/src/testing/global-setup.ts"] to vitest.config.ts',
    );
  }
  const name =
    `test_${(options.name ?? "db").replace(/\W/g, "_").slice(0, 30)}_${randomBytes(5).toString("hex")}`.toLowerCase();
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  const url = replaceDatabase(adminUrl, name);
  await migrate({ url });
  const db = createDb({ url, maxConnections: 5, applicationName: name });
  let dropping: Promise<void> | undefined;
  return {
    url,
    db,
    drop() {
      dropping ??= (async () => {
        await db.close();
        await withAdmin(adminUrl, (client) =>
          client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
        );
      })();
      return dropping;
    },
  };
}
