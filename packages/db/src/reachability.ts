import pg from "pg";

/** Where a connection URL points, without its credentials: `host:port/database`. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
  } catch {
    return "(an unparsable URL)";
  }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: "nothing is listening there",
  ENOTFOUND: "the host name does not resolve",
  EHOSTUNREACH: "the host is unreachable",
  ETIMEDOUT: "the connection timed out",
  ECONNRESET: "the server closed the connection",
  "28P01": "the password was refused",
  "3D000": "that database does not exist",
  "57P03": "the server is starting up or shutting down",
};

/**
 * Connects once to `url` and disconnects, within `timeoutMs`; throws an Error that says where
 * the URL points, what went wrong in words and, when given, where the URL came from and what
 * to do (`hint`), instead of a bare `ECONNREFUSED`.
 */
export async function assertDatabaseReachable(
  url: string,
  { timeoutMs = 5_000, source, hint }: { timeoutMs?: number; source?: string; hint?: string } = {},
): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    const code = (err as { code?: string }).code;
    const reason = (code && REASONS[code]) ?? (err as Error).message;
    throw new Error(
      `Cannot reach the database at ${describeDatabaseUrl(url)} (DATABASE_URL${source ? ` from ${source}` : ""}): ` +
        `${reason}.${hint ? ` ${hint}` : ""}`,
      { cause: err },
    );
  } finally {
    await client.end().catch(() => {});
  }
}
