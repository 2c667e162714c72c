import { randomBytes } from "node:crypto";
import pg from "pg";

/** The apps' group roles, from the migrations (`*_app_roles`): their privileges, table by table. */
const APP_ROLES = { web: "reports_web", worker: "reports_worker" } as const;

/**
 * Login roles for the web app and the worker on the embedded PostgreSQL, members of the group
 * roles the migrations grant table by table, so the local stack runs the apps with the rights
 * they have in Azure (where infra/scripts/database-access.mjs makes their Entra identities
 * members instead). A fresh password on every start; the URLs are given to the apps only.
 */
export async function ensureAppLogins(adminUrl: string): Promise<{ web: string; worker: string }> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const urls = {} as { web: string; worker: string };
    for (const app of ["web", "worker"] as const) {
      const login = `${APP_ROLES[app]}_local`;
      const password = randomBytes(18).toString("base64url");
      const exists = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [login]);
      const quoted = client.escapeIdentifier(login);
      const secret = client.escapeLiteral(password);
      await client.query(
        exists.rowCount
          ? `ALTER ROLE ${quoted} LOGIN PASSWORD ${secret}`
          : `CREATE ROLE ${quoted} LOGIN PASSWORD ${secret}`,
      );
      await client.query(`GRANT ${client.escapeIdentifier(APP_ROLES[app])} TO ${quoted}`);
      const url = new URL(adminUrl);
      url.username = login;
      url.password = password;
      urls[app] = url.toString();
    }
    return urls;
  } finally {
    await client.end();
  }
}
