// npm run db:migrate – applies pending migrations to the database of the running local stack
// (or DATABASE_URL).
import { parseArgs } from "node:util";
import { createLogger } from "@reports/runtime";
import { migrate } from "../migrate.ts";
import { loadDatabaseScriptEnv } from "./script-env.ts";

const USAGE = `usage: npm run db:migrate

Applies the pending migrations of packages/db/prisma/migrations, as prisma migrate deploy
does, to DATABASE_URL, else to the database of the local stack in LOCAL_STATE_DIR (default
.local).
`;

async function main() {
  const { values } = parseArgs({ options: { help: { type: "boolean", short: "h" } } });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const env = await loadDatabaseScriptEnv();
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
  if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) console.error(`\n${USAGE}`);
  process.exitCode = 1;
});
