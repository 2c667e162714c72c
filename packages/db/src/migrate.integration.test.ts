import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { computeChecksum, MIGRATIONS_DIR, MigrationError, migrate, readMigrations } from "./migrate.ts";
import { createTestDatabase, queryRows as query, replaceDatabase } from "./testing.ts";

/** An empty database (no migrations applied), dropped after the file. */
async function createEmptyDatabase(created: string[]): Promise<string> {
  const adminUrl = inject("postgresAdminUrl");
  const name = `test_migrate_${created.length}_${Date.now()}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  created.push(name);
  return replaceDatabase(adminUrl, name);
}

describe("migrate", () => {
  const created: string[] = [];
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), "reports-migrations-"));
  });

  afterAll(async () => {
    const client = new pg.Client({ connectionString: inject("postgresAdminUrl") });
    await client.connect();
    for (const name of created) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
    await rm(scratch, { recursive: true, force: true });
  });

  it("applies every migration in order and records Prisma-compatible rows with sha256 checksums", async () => {
    const url = await createEmptyDatabase(created);
    const local = await readMigrations(MIGRATIONS_DIR);
    expect(local.length).toBeGreaterThan(0);

    const { applied } = await migrate({ url });
    expect(applied).toEqual(local.map((migration) => migration.name));

    const rows = await query<{
      id: string;
      checksum: string;
      migration_name: string;
      finished_at: Date | null;
      started_at: Date;
      rolled_back_at: Date | null;
      applied_steps_count: number;
      logs: string | null;
    }>(url, "SELECT * FROM _prisma_migrations ORDER BY migration_name");
    expect(rows).toHaveLength(local.length);
    for (const [index, row] of rows.entries()) {
      const name = local[index]!.name;
      const bytes = await readFile(path.join(MIGRATIONS_DIR, name, "migration.sql"));
      expect(row.migration_name).toBe(name);
      expect(row.checksum).toBe(computeChecksum(bytes));
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.applied_steps_count).toBe(1);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
    }

    const columns = await query<{ column_name: string; data_type: string; is_nullable: string }>(
      url,
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => `${c.column_name} ${c.data_type} ${c.is_nullable}`)).toEqual([
      "id character varying NO",
      "checksum character varying NO",
      "finished_at timestamp with time zone YES",
      "migration_name character varying NO",
      "logs text YES",
      "rolled_back_at timestamp with time zone YES",
      "started_at timestamp with time zone NO",
      "applied_steps_count integer NO",
    ]);
  });

  it("is idempotent: a second run applies nothing and records nothing", async () => {
    const url = await createEmptyDatabase(created);
    await migrate({ url });
    const again = await migrate({ url });
    expect(again.applied).toEqual([]);
    const [{ count }] = (await query<{ count: string }>(url, "SELECT count(*) FROM _prisma_migrations")) as [
      { count: string },
    ];
    expect(Number(count)).toBe((await readMigrations(MIGRATIONS_DIR)).length);
  });

  it("applies once when two processes migrate concurrently (advisory lock)", async () => {
    const url = await createEmptyDatabase(created);
    const [first, second] = await Promise.all([migrate({ url }), migrate({ url })]);
    const all = [...first.applied, ...second.applied];
    expect(all).toEqual((await readMigrations(MIGRATIONS_DIR)).map((m) => m.name));
    const rows = await query(url, "SELECT migration_name FROM _prisma_migrations");
    expect(rows).toHaveLength(all.length);
  });

  it("refuses to run when an applied migration file was edited, naming the migration", async () => {
    const url = await createEmptyDatabase(created);
    const dir = path.join(scratch, "edited");
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    await migrate({ url, migrationsDir: dir });
    const [first] = await readMigrations(dir);
    const file = path.join(dir, first!.name, "migration.sql");
    await writeFile(file, `${await readFile(file, "utf8")}\n-- sneaky edit\n`);

    const error = await migrate({ url, migrationsDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).migrationName).toBe(first!.name);
    expect((error as Error).message).toContain(`${first!.name} was edited`);
  });

  it("accepts a checksum of the same file with CRLF line endings, as Prisma does", async () => {
    const url = await createEmptyDatabase(created);
    const dir = path.join(scratch, "crlf");
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    await migrate({ url, migrationsDir: dir });
    const [first] = await readMigrations(dir);
    const file = path.join(dir, first!.name, "migration.sql");
    await writeFile(file, (await readFile(file, "utf8")).replace(/\n/g, "\r\n"));
    await expect(migrate({ url, migrationsDir: dir })).resolves.toEqual({ applied: [] });
  });

  it("applies a new migration added later and rolls back a failing one, recording it as rolled back", async () => {
    const url = await createEmptyDatabase(created);
    const dir = path.join(scratch, "later");
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    await migrate({ url, migrationsDir: dir });

    await cp(path.join(dir, (await readMigrations(dir))[0]!.name), path.join(dir, "29990101000000_broken"), {
      recursive: true,
    });
    await writeFile(
      path.join(dir, "29990101000000_broken", "migration.sql"),
      'CREATE TABLE "half_done" (id int);\nSELECT no_such_function();\n',
    );
    const error = await migrate({ url, migrationsDir: dir }).catch((e: unknown) => e);
    expect((error as MigrationError).migrationName).toBe("29990101000000_broken");
    // the transaction undid the CREATE TABLE
    expect(await query(url, "SELECT to_regclass('half_done') AS t")).toEqual([{ t: null }]);
    const [row] = await query<{ finished_at: Date | null; rolled_back_at: Date | null; logs: string }>(
      url,
      "SELECT finished_at, rolled_back_at, logs FROM _prisma_migrations WHERE migration_name = '29990101000000_broken'",
    );
    expect(row!.finished_at).toBeNull();
    expect(row!.rolled_back_at).not.toBeNull();
    expect(row!.logs).toContain("no_such_function");

    await writeFile(
      path.join(dir, "29990101000000_broken", "migration.sql"),
      'CREATE TABLE "fixed" (id int);\n',
    );
    await expect(migrate({ url, migrationsDir: dir })).resolves.toEqual({
      applied: ["29990101000000_broken"],
    });
  });

  it("refuses to run while a recorded migration is failed (finished_at and rolled_back_at null)", async () => {
    const url = await createEmptyDatabase(created);
    await migrate({ url });
    await query(
      url,
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs)
       VALUES ('00000000-0000-0000-0000-000000000001', 'x', '20990101000000_failed', 'boom')`,
    );
    await expect(migrate({ url })).rejects.toThrow(/Migration 20990101000000_failed failed/);
  });

  it("gives createTestDatabase a fully migrated database", async () => {
    const test = await createTestDatabase({ name: "migrate" });
    try {
      const rows = await test.db.pool.query("SELECT migration_name FROM _prisma_migrations");
      expect(rows.rowCount).toBe((await readMigrations(MIGRATIONS_DIR)).length);
    } finally {
      await test.drop();
    }
  });
});
