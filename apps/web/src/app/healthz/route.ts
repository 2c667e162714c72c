import type { THealth } from "@reports/contracts/openapi";
import type { Db } from "@reports/db";
import { ConfigError } from "@reports/runtime";
import { getDeps, type WebDeps } from "../../server/deps.ts";
import { jsonResponse, UNAVAILABLE_RETRY_AFTER_SECONDS } from "../../server/rest.ts";

export const dynamic = "force-dynamic";

/** A health check that hangs is as bad as a failed one; answer within this. */
const HEALTH_TIMEOUT_MS = 2_000;

async function pingDatabase(db: Db): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HealthTimeout()), HEALTH_TIMEOUT_MS);
  });
  try {
    await Promise.race([db.pool.query("SELECT 1"), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

class HealthTimeout extends Error {
  constructor() {
    super(`database did not answer within ${HEALTH_TIMEOUT_MS} ms`);
  }
}

function unavailable(reason: string): Response {
  return jsonResponse({ status: "unavailable", reason } satisfies THealth, {
    status: 503,
    headers: { "retry-after": String(UNAVAILABLE_RETRY_AFTER_SECONDS) },
  });
}

// GET /healthz – 200 when the database answers, 503 with a reason when it does not
export async function GET(): Promise<Response> {
  let deps: WebDeps;
  try {
    deps = getDeps();
  } catch (err) {
    // Configuration or client construction failed: say so without echoing values.
    return unavailable(err instanceof ConfigError ? "configuration invalid" : "startup failed");
  }
  try {
    await pingDatabase(deps.db);
    return jsonResponse({ status: "ok" } satisfies THealth);
  } catch (err) {
    deps.log.warn({ err }, "health check failed");
    if (err instanceof HealthTimeout) return unavailable(err.message);
    const code = (err as { code?: unknown }).code;
    return unavailable(typeof code === "string" ? `database unreachable (${code})` : "database unreachable");
  }
}
