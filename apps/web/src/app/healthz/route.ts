import type { THealth } from "@reports/contracts/openapi";
import { getDeps } from "../../server/deps.ts";
import { jsonResponse } from "../../server/rest.ts";

export const dynamic = "force-dynamic";

/** A health check that hangs is as bad as a failed one; answer within this. */
const HEALTH_TIMEOUT_MS = 2_000;

function describeFailure(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (err instanceof Error && err.name === "ConfigError") return "configuration invalid";
  return typeof code === "string" ? `database unreachable (${code})` : "database unreachable";
}

async function pingDatabase(): Promise<void> {
  const { db } = getDeps();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`database did not answer within ${HEALTH_TIMEOUT_MS} ms`)),
      HEALTH_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([db.pool.query("SELECT 1"), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// GET /healthz – 200 when the database answers, 503 with a reason when it does not
export async function GET(): Promise<Response> {
  try {
    await pingDatabase();
    return jsonResponse({ status: "ok" } satisfies THealth);
  } catch (err) {
    const reason =
      err instanceof Error && err.message.startsWith("database did not answer")
        ? err.message
        : describeFailure(err);
    try {
      getDeps().log.warn({ err }, "health check failed");
    } catch {
      // configuration itself is broken; the reason says so
    }
    return jsonResponse({ status: "unavailable", reason } satisfies THealth, {
      status: 503,
      headers: { "retry-after": "5" },
    });
  }
}
