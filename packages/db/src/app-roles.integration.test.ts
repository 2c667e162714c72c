import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./testing.ts";

type Privilege = "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "TRUNCATE";
const PRIVILEGES: Privilege[] = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"];

/**
 * Every table and what each app may do with it: the migrations' grants, table by table. A table
 * missing here fails the test: its grants are decided in its migration and written down here.
 */
const EXPECTED: Record<string, { reports_web: Privilege[]; reports_worker: Privilege[] }> = {
  _prisma_migrations: { reports_web: [], reports_worker: [] },
  artists: { reports_web: [], reports_worker: ["SELECT"] },
  albums: { reports_web: ["SELECT"], reports_worker: ["SELECT"] },
  ratings: { reports_web: [], reports_worker: ["SELECT"] },
  // (the worker inserts the reports its scheduler creates)
  reports: { reports_web: ["SELECT", "INSERT", "UPDATE"], reports_worker: ["SELECT", "INSERT", "UPDATE"] },
  report_schedules: {
    reports_web: ["SELECT", "INSERT", "UPDATE", "DELETE"],
    reports_worker: ["SELECT", "UPDATE"],
  },
  // (the web app may also read the outbox's id column alone: Prisma's INSERT ... RETURNING "id")
  outbox_messages: { reports_web: ["INSERT"], reports_worker: ["SELECT", "INSERT", "UPDATE"] },
  report_request_limits: { reports_web: ["SELECT", "INSERT", "UPDATE", "DELETE"], reports_worker: [] },
  // The operator console's tables (the story trigger runs as whoever updates a report).
  report_story: { reports_web: ["SELECT", "INSERT"], reports_worker: ["INSERT"] },
  worker_heartbeats: { reports_web: ["SELECT"], reports_worker: ["SELECT", "INSERT", "UPDATE", "DELETE"] },
  dead_letters: { reports_web: ["SELECT", "UPDATE"], reports_worker: ["SELECT", "INSERT"] },
  admin_actions: { reports_web: ["SELECT", "INSERT"], reports_worker: [] },
};

let test: TestDatabase;
let webUrl: string;

beforeAll(async () => {
  test = await createTestDatabase({ name: "app_roles" });
  // A login role of the web app, as the local stack and Azure make one.
  const login = `web_login_${randomBytes(4).toString("hex")}`;
  await test.db.pool.query(`CREATE ROLE ${login} LOGIN PASSWORD 'web' IN ROLE reports_web`);
  const url = new URL(test.url);
  url.username = login;
  url.password = "web";
  webUrl = url.toString();
});

afterAll(async () => {
  await test?.drop();
});

async function asWeb<T>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: webUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe("the apps' database roles", () => {
  it("grant each app exactly what it uses, table by table", async () => {
    const { rows: tables } = await test.db.pool.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    for (const { tablename } of tables) {
      const expected = EXPECTED[tablename];
      expect(
        expected,
        `table ${tablename} has no grant decision: add it to the migrations and to EXPECTED`,
      ).toBeDefined();
      for (const role of ["reports_web", "reports_worker"] as const) {
        const { rows } = await test.db.pool.query<{ privilege: Privilege; granted: boolean }>(
          "SELECT p AS privilege, has_table_privilege($1, $2, p) AS granted FROM unnest($3::text[]) p",
          [role, `public.${tablename}`, PRIVILEGES],
        );
        const granted = rows.filter((row) => row.granted).map((row) => row.privilege);
        expect({ table: tablename, role, granted }).toEqual({
          table: tablename,
          role,
          granted: expected![role],
        });
      }
    }
  });

  it("keep the web app out of the catalogue, the migrations table and the schema", async () => {
    await expect(asWeb("SELECT count(*) FROM reports")).resolves.toHaveLength(1);
    await expect(asWeb("SELECT payload FROM outbox_messages")).rejects.toThrow(/permission denied/);
    // The console's outbox numbers come from the bookkeeping columns alone.
    await expect(
      asWeb(
        "SELECT count(*), min(created_at) FROM outbox_messages WHERE sent_at IS NULL AND last_error IS NULL",
      ),
    ).resolves.toHaveLength(1);
    await expect(asWeb("INSERT INTO artists (name) VALUES ('x')")).rejects.toThrow(/permission denied/);
    await expect(asWeb("UPDATE albums SET genre = 'x'")).rejects.toThrow(/permission denied/);
    await expect(asWeb("DELETE FROM _prisma_migrations")).rejects.toThrow(/permission denied/);
    await expect(asWeb("SELECT * FROM ratings LIMIT 1")).rejects.toThrow(/permission denied/);
    await expect(asWeb("CREATE TABLE sneaky (id int)")).rejects.toThrow(/permission denied/);
  });
});
