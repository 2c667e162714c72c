// Database bootstrap and grants for Azure Database for PostgreSQL with Entra ID auth.
// Run by the migration job (infra/app/migrate-job.bicep) as the migration identity, the
// server's Entra administrator, around the project's migrator:
//
//   node infra/scripts/database-access.mjs prepare   # database + the apps' Entra roles
//   PGPASSWORD="$(node infra/scripts/database-access.mjs token)" \
//     node --import tsx packages/db/src/cli/migrate.ts  # schema, as the same identity
//   node infra/scripts/database-access.mjs grant     # the apps' privileges on the schema
//
// Plain JavaScript on purpose: it ships in the worker image next to its production
// node_modules (pg, @azure/identity) and needs no build. Idempotent: safe on every deploy.
//
// Environment: DATABASE_URL (user = the migration identity's name, database = the app's),
// AZURE_CLIENT_ID (picked up by DefaultAzureCredential), DB_WEB_ROLE, DB_WEB_PRINCIPAL_ID,
// DB_WORKER_ROLE, DB_WORKER_PRINCIPAL_ID (role = identity name, principal = its object id).
import { DefaultAzureCredential } from "@azure/identity";
import pg from "pg";

const POSTGRES_ENTRA_SCOPE = "https://ossrdbms-aad.database.windows.net/.default";

// What each app may do is decided table by table by the migrations, which grant it to these
// NOLOGIN group roles (packages/db/prisma/migrations/*_app_roles); here each app's Entra role
// only becomes a member of its group. Neither may change the schema, the migrations table or
// the catalogue: the migration identity alone owns them.
const APP_GROUP_ROLES = {
  web: "reports_web",
  worker: "reports_worker",
};

/** @param {string} name */
function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

/** @param {string} name */
function quoteIdent(name) {
  return `"${name.replaceAll('"', '""')}"`;
}

const credential = new DefaultAzureCredential();

/**
 * One JSON line per event, like the apps' pino output, so Log Analytics parses it alike.
 * @param {"info" | "error"} level
 * @param {Record<string, unknown>} fields
 */
function log(level, fields) {
  const stream = level === "error" ? process.stderr : process.stdout;
  stream.write(`${JSON.stringify({ level, time: Date.now(), name: "database-access", ...fields })}\n`);
}

/** @param {URL} url */
async function connect(url) {
  const client = new pg.Client({
    connectionString: url.toString(),
    password: async () => (await credential.getToken(POSTGRES_ENTRA_SCOPE)).token,
  });
  await client.connect();
  return client;
}

/** @typedef {{ role: string, principalId: string, groupRole: string }} AppAccess */

/**
 * @param {URL} databaseUrl
 * @param {AppAccess[]} apps
 */
async function prepare(databaseUrl, apps) {
  const databaseName = decodeURIComponent(databaseUrl.pathname.slice(1));
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = "/postgres";
  const client = await connect(adminUrl);
  try {
    const existing = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [databaseName]);
    if (existing.rowCount === 0) {
      // Owned by the migration identity, so it may create the schema's tables (PG 15+).
      await client.query(`CREATE DATABASE ${quoteIdent(databaseName)}`);
      log("info", { msg: "database created", database: databaseName });
    }
    for (const app of apps) {
      const role = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [app.role]);
      if (role.rowCount === 0) {
        // Binds the role to the identity's object id ('service' = service principal /
        // managed identity), so a renamed or recreated identity cannot inherit it.
        await client.query(
          "SELECT * FROM pgaadauth_create_principal_with_oid($1, $2, 'service', false, false)",
          [app.role, app.principalId],
        );
        log("info", { msg: "role created", role: app.role });
      }
    }
  } finally {
    await client.end();
  }
}

/**
 * @param {URL} databaseUrl
 * @param {AppAccess[]} apps
 */
async function grant(databaseUrl, apps) {
  const client = await connect(databaseUrl);
  try {
    for (const app of apps) {
      const role = quoteIdent(app.role);
      await client.query(`GRANT ${quoteIdent(app.groupRole)} TO ${role}`);
      // Deployments before per-table grants gave the app's own role blanket privileges on
      // every table (and on tables to come): take those back, so only the group's remain.
      await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}`);
      await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${role}`);
      await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM ${role}`);
      await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM ${role}`);
      log("info", { msg: "role granted its group", role: app.role, group: app.groupRole });
    }
  } finally {
    await client.end();
  }
}

async function main() {
  const step = process.argv[2];
  const databaseUrl = new URL(requireEnv("DATABASE_URL"));
  const apps = [
    {
      role: requireEnv("DB_WEB_ROLE"),
      principalId: requireEnv("DB_WEB_PRINCIPAL_ID"),
      groupRole: APP_GROUP_ROLES.web,
    },
    {
      role: requireEnv("DB_WORKER_ROLE"),
      principalId: requireEnv("DB_WORKER_PRINCIPAL_ID"),
      groupRole: APP_GROUP_ROLES.worker,
    },
  ];
  if (step === "token") {
    // For the migrator, which connects with DATABASE_URL and the libpq PGPASSWORD fallback.
    process.stdout.write((await credential.getToken(POSTGRES_ENTRA_SCOPE)).token);
    return;
  }
  if (step === "prepare") await prepare(databaseUrl, apps);
  else if (step === "grant") await grant(databaseUrl, apps);
  else throw new Error(`unknown step ${JSON.stringify(step)}: expected prepare, token or grant`);
}

main().catch((err) => {
  log("error", { msg: "database access step failed", err: String(err?.stack ?? err) });
  process.exit(1);
});
