// npm run db:migrate – applies pending migrations to DATABASE_URL.
import { BASE_ENV_FIELDS, createLogger, parseConfig, zPostgresUrl } from "@reports/runtime";
import { z } from "zod";
import { migrate } from "../migrate.ts";

const ZMigrateEnv = z.object({ ...BASE_ENV_FIELDS, DATABASE_URL: zPostgresUrl });

async function main() {
  const env = parseConfig(ZMigrateEnv);
  const log = createLogger({ name: "db-migrate", level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });
  const { applied } = await migrate({ url: env.DATABASE_URL, log });
  if (applied.length === 0) {
    log.info("database is up to date; no pending migrations");
  } else {
    log.info({ applied }, `applied ${applied.length} migration(s)`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
