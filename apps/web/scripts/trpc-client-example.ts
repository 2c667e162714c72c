// A typed tRPC client for the report API: request a report, poll until it is final, print
// the download URL. Types come from @reports/api's AppRouter, so a wrong field or procedure
// name fails to compile.
import { parseArgs } from "node:util";
import { DEVELOPMENT_TOKEN_TTL, signDevelopmentToken } from "@reports/api";
import type { AppRouter } from "@reports/api/trpc";
import { isFinalReportStatus } from "@reports/contracts";
import { readScriptEnv } from "@reports/runtime/local-stack";
import { createTRPCClient, httpBatchLink } from "@trpc/client";

const USAGE = `usage: npx tsx apps/web/scripts/trpc-client-example.ts [options]

Requests a popularity report through the typed tRPC client, polls it until it is final and
prints the download URL. By default it talks to the local stack in LOCAL_STATE_DIR (default
.local) with a development token for --user.

  --user <name>     the user to sign a development token for (default alice)
  --token <token>   use this bearer token instead (e.g. an OpenID Connect access token)
  --url <origin>    the app's origin (default: the running local stack's)
  --genre <genre>   only albums of this genre
  --limit <n>       top n albums only
  -h, --help        this text
`;

const POLL_MIN_MS = 500;
const POLL_MAX_MS = 5_000;
const GIVE_UP_AFTER_MS = 10 * 60_000;

function print(line: string) {
  process.stdout.write(`${line}\n`);
}

function readArgs() {
  try {
    return parseArgs({
      options: {
        url: { type: "string" },
        user: { type: "string", default: "alice" },
        token: { type: "string" },
        genre: { type: "string" },
        limit: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

/** Where the client talks to, for the error message when nothing answers there. */
let target: string | undefined;

async function main() {
  const values = readArgs();
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const { env, file } = await readScriptEnv();
  const baseUrl = values.url ?? env.WEB_URL;
  if (!baseUrl)
    throw new Error(`no --url given and no WEB_URL in ${file}; start the local stack (npm start) first`);
  target = baseUrl;
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
  const message = err instanceof Error ? err.message : String(err);
  const unreachable = message === "fetch failed" && target !== undefined;
  process.stderr.write(
    `${unreachable ? `nothing answers at ${target}; is the local stack running (npm start)?` : message}\n`,
  );
  process.exit(1);
});
