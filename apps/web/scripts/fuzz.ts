// npm run fuzz -w @reports/web -- [--runs 10000] [--seed 20261129] [--concurrency 8] [--url URL] [--json FILE]
//
// The full fuzz suite (apps/web/e2e/fuzz) against the real stack: without --url it starts the
// local stack in a temporary folder (the built web app, PostgreSQL, Azurite, the Service Bus
// emulator, the worker), as the browser tests do; with --url it uses a running stack whose
// AUTH_DEV_SECRET is in the environment or its stack.env (LOCAL_STATE_DIR). Prints the figures
// and exits 1 when any rule was broken.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { MAX_REQUEST_BODY_BYTES, TRPC_MAX_BATCH_SIZE } from "@reports/contracts";
import { type LocalStack, startLocalStack } from "@reports/local-stack";
import { createLogger } from "@reports/runtime";
import { readScriptEnv } from "@reports/runtime/local-stack";
import { runFuzz } from "../e2e/fuzz/run-fuzz.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "10000" },
    seed: { type: "string", default: "20261129" },
    url: { type: "string" },
    concurrency: { type: "string", default: "8" },
    json: { type: "string" },
  },
});

const say = (line: string) => process.stderr.write(`${line}\n`);
let stack: LocalStack | undefined;
let stateDir: string | undefined;

async function main(): Promise<number> {
  let baseUrl = values.url;
  let secret = (await readScriptEnv()).env.AUTH_DEV_SECRET;
  if (!baseUrl) {
    stateDir = await mkdtemp(join(tmpdir(), "reports-fuzz-"));
    // Embedded PostgreSQL drops to the "postgres" user when run as root: it must traverse this.
    await chmod(stateDir, 0o755);
    say(`starting the local stack in ${stateDir}`);
    stack = await startLocalStack({
      stateDir,
      log: createLogger({ name: "fuzz-stack", level: "warn" }),
      webPort: 0,
      postgresPort: 0,
      azuritePort: 0,
      serviceBusPort: 0,
      seed: { albums: 300, ratings: 20_000 },
    });
    baseUrl = stack.webUrl;
    secret = stack.env.AUTH_DEV_SECRET;
  }
  if (!secret)
    throw new Error("no AUTH_DEV_SECRET: pass --url of a stack whose stack.env is in LOCAL_STATE_DIR");
  const figures = await runFuzz({
    baseUrl,
    devSecret: secret,
    seed: Number(values.seed),
    runs: Number(values.runs),
    concurrency: Number(values.concurrency),
    limits: { maxBodyBytes: MAX_REQUEST_BODY_BYTES, maxBatchSize: TRPC_MAX_BATCH_SIZE },
    log: say,
  });
  if (values.json) await writeFile(values.json, JSON.stringify(figures, null, 2));
  process.stdout.write(
    `${JSON.stringify(
      {
        seed: figures.seed,
        requests: figures.requests,
        generated: figures.generated,
        durationMs: figures.durationMs,
        reportsCreated: figures.reportsCreated,
        counts: figures.counts,
        byStatus: figures.byStatus,
        matrix: figures.matrix,
        samples: {
          serverErrors: figures.serverErrors,
          hostileAccepted: figures.hostileAccepted,
          crossUserReads: figures.crossUserReads,
          unexpected: figures.unexpected,
        },
      },
      null,
      2,
    )}\n`,
  );
  const broken = Object.values(figures.counts).reduce((sum, count) => sum + count, 0);
  return broken === 0 ? 0 : 1;
}

async function cleanUp() {
  await stack?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

main()
  .then(async (code) => {
    await cleanUp();
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    say(String((err as Error).stack ?? err));
    await cleanUp();
    process.exit(1);
  });
