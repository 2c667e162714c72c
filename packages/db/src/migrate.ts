import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "@reports/runtime";
import pg from "pg";

/** The project's migrations folder (Prisma's layout: `<timestamp>_<name>/migration.sql`). */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

/**
 * The advisory lock key `prisma migrate deploy` takes (visible in Prisma's schema engine:
 * `SELECT pg_advisory_lock(72707369)`), so this migrator and Prisma's exclude each other.
 */
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;

// Byte-for-byte the table Prisma's schema engine creates for PostgreSQL, so a database
// migrated here can later be handed to `prisma migrate deploy` and vice versa.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrateOptions {
  /** postgres:// URL of the database to migrate (it must exist). */
  url: string;
  /** Defaults to `packages/db/prisma/migrations`. */
  migrationsDir?: string;
  log?: Logger;
}

export interface MigrateResult {
  /** Names of the migrations this call applied, in order (empty when none was pending). */
  applied: string[];
}

/** Raised when the migration history forbids running (edited or failed migration). */
export class MigrationError extends Error {
  readonly migrationName: string;

  constructor(migrationName: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MigrationError";
    this.migrationName = migrationName;
  }
}

interface LocalMigration {
  name: string;
  script: string;
  checksum: string;
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

/** SHA-256 of the migration file, lowercase hex: what Prisma stores in `checksum`. */
export function computeChecksum(script: string | Buffer): string {
  return createHash("sha256").update(script).digest("hex");
}

/**
 * Prisma accepts a stored checksum if it matches the script as is or with CRLF turned into
 * LF (git may rewrite line endings on checkout), and in either zero-padded hex or the
 * unpadded hex an old Prisma version wrote. Being as lenient keeps databases migrated by
 * Prisma itself from being reported as edited.
 */
export function scriptMatchesChecksum(script: Buffer, checksum: string): boolean {
  const variants = [script, Buffer.from(script.toString("utf8").replace(/\r\n/g, "\n"), "utf8")];
  return variants.some((variant) => {
    const digest = createHash("sha256").update(variant).digest();
    const padded = digest.toString("hex");
    const unpadded = [...digest].map((byte) => byte.toString(16)).join("");
    return checksum === padded || checksum === unpadded;
  });
}

/** Reads `<dir>/<name>/migration.sql` for every migration folder, in name order like Prisma. */
export async function readMigrations(migrationsDir: string): Promise<LocalMigration[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const migrations: LocalMigration[] = [];
  for (const name of names) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(migrationsDir, name, "migration.sql"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    migrations.push({ name, script: bytes.toString("utf8"), checksum: computeChecksum(bytes) });
  }
  return migrations;
}

/**
 * Applies pending migrations the way `prisma migrate deploy` would, without Prisma's
 * native schema engine (which cannot be downloaded here): in name order, each in its own
 * transaction, under Prisma's advisory lock, recording `_prisma_migrations` rows as Prisma
 * does. Refuses to run when an applied migration's file changed or a recorded migration
 * failed. Safe to call from several processes at once: the lock serialises them and the
 * later ones find nothing pending.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const migrationsDir = options.migrationsDir ?? MIGRATIONS_DIR;
  const log = options.log;
  const local = await readMigrations(migrationsDir);
  const client = new pg.Client({ connectionString: options.url, application_name: "reports-migrate" });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
    try {
      return await applyPending(client, local, log);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}

async function applyPending(
  client: pg.Client,
  local: LocalMigration[],
  log: Logger | undefined,
): Promise<MigrateResult> {
  await client.query(CREATE_MIGRATIONS_TABLE);
  const { rows } = await client.query<MigrationRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at, logs
       FROM _prisma_migrations ORDER BY started_at`,
  );
  const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed) {
    throw new MigrationError(
      failed.migration_name,
      `Migration ${failed.migration_name} failed or is still running in another process ` +
        `(finished_at and rolled_back_at are both null in _prisma_migrations). Fix the database, ` +
        `then mark it rolled back (UPDATE _prisma_migrations SET rolled_back_at = now() WHERE ` +
        `migration_name = '${failed.migration_name}') or applied, before migrating again.` +
        (failed.logs ? `\nRecorded error: ${failed.logs}` : ""),
    );
  }

  const applied = new Map<string, MigrationRow>();
  for (const row of rows) {
    if (row.finished_at !== null && row.rolled_back_at === null) applied.set(row.migration_name, row);
  }
  const localByName = new Map(local.map((migration) => [migration.name, migration]));
  for (const row of applied.values()) {
    const file = localByName.get(row.migration_name);
    if (!file) {
      // Prisma only warns about this too: an older checkout running against a newer database.
      log?.warn({ migration: row.migration_name }, "applied migration is missing from the migrations folder");
      continue;
    }
    if (!scriptMatchesChecksum(Buffer.from(file.script, "utf8"), row.checksum)) {
      throw new MigrationError(
        row.migration_name,
        `Migration ${row.migration_name} was edited after it was applied (checksum ${file.checksum} ` +
          `differs from the recorded ${row.checksum}). Applied migrations are immutable: ` +
          `restore the file and add a new migration instead.`,
      );
    }
  }

  const names: string[] = [];
  for (const migration of local) {
    if (applied.has(migration.name)) continue;
    await applyOne(client, migration, log);
    names.push(migration.name);
  }
  if (names.length === 0) log?.debug("no pending migrations");
  return { applied: names };
}

async function applyOne(client: pg.Client, migration: LocalMigration, log: Logger | undefined) {
  const id = randomUUID();
  const startedAt = Date.now();
  log?.info({ migration: migration.name }, "applying migration");
  try {
    await client.query("BEGIN");
    // now() is the transaction start (Prisma's started_at); clock_timestamp() the real end.
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 0)`,
      [id, migration.checksum, migration.name],
    );
    // Simple-query protocol (no parameters) so the multi-statement script runs as sent.
    await client.query(migration.script);
    await client.query(
      `UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
      [id],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    // The transaction undid the script, so record the attempt as rolled back: Prisma treats
    // such rows as not applied, so the fixed migration is simply attempted again next time.
    await client
      .query(
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, rolled_back_at)
         VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0), now())`,
        [randomUUID(), migration.checksum, migration.name, String(error), startedAt],
      )
      .catch(() => {});
    throw new MigrationError(migration.name, `Migration ${migration.name} failed: ${String(error)}`, {
      cause: error,
    });
  }
  log?.info({ migration: migration.name, ms: Date.now() - startedAt }, "applied migration");
}
