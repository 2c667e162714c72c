// A typed tRPC client for the report API: request a report, poll until it is final, print
// the download URL. Types come from @reports/api's AppRouter, so a wrong field or procedure
// name fails to compile.
//
//   npx tsx apps/web/scripts/trpc-client-example.ts --user alice [--url http://127.0.0.1:3000] [--genre Jazz] [--limit 20]
//
// The token is signed with AUTH_DEV_SECRET (from the environment or the local stack's
// stack.env in LOCAL_STATE_DIR, default .local); pass --token to use an existing one (e.g. an
// OIDC access token).
import { parseArgs } from "node:util";
import { DEVELOPMENT_TOKEN_TTL, signDevelopmentToken } from "@reports/api";
import type { AppRouter } from "@reports/api/trpc";
import { isFinalReportStatus } from "@reports/contracts";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { readScriptEnv } from "./local-env.ts";

const POLL_MIN_MS = 500;
const POLL_MAX_MS = 5_000;
const GIVE_UP_AFTER_MS = 10 * 60_000;

function print(line: string) {
  process.stdout.write(`${line}\n`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      user: { type: "string", default: "alice" },
      token: { type: "string" },
      genre: { type: "string" },
      limit: { type: "string" },
    },
  });
  const env = readScriptEnv();
  const baseUrl = values.url ?? env.WEB_URL ?? "http://127.0.0.1:3000";
  let token = values.token;
  if (!token) {
    if (!env.AUTH_DEV_SECRET)
      throw new Error("AUTH_DEV_SECRET is not set; start the local stack or pass --token");
    token = await signDevelopmentToken(env.AUTH_DEV_SECRET, values.user, DEVELOPMENT_TOKEN_TTL);
  }

  const client = createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: new URL("/api/trpc", baseUrl).toString(),
        headers: () => ({ authorization: `Bearer ${token}` }),
      }),
    ],
  });

  const { report, created } = await client.reports.request.mutate({
    kind: "popularity",
    parameters: {
      ...(values.genre ? { genre: values.genre } : {}),
      ...(values.limit ? { limit: Number(values.limit) } : {}),
    },
  });
  print(`${created ? "requested" : "already requested"} report ${report.reportId} (${report.status})`);

  const started = Date.now();
  let delay = POLL_MIN_MS;
  let current = report;
  while (!isFinalReportStatus(current.status)) {
    if (Date.now() - started > GIVE_UP_AFTER_MS) throw new Error("gave up waiting for the report");
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, POLL_MAX_MS);
    current = await client.reports.get.query({ reportId: report.reportId });
    const progress = current.progress
      ? ` ${current.progress.rowsWritten}/${current.progress.totalRows ?? "?"} rows`
      : "";
    print(`  ${current.status}${progress}`);
  }

  if (current.status === "Failed") {
    print(`report failed: ${current.error ?? "no reason recorded"}`);
    process.exitCode = 1;
    return;
  }
  print(`completed in ${((Date.now() - started) / 1000).toFixed(1)} s: ${current.rowCount ?? 0} rows`);
  print(current.downloadUrl ?? "(no download URL)");
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
