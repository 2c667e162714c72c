import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalStack } from "@reports/local-stack";
import { createLogger } from "@reports/runtime";
import type { TestProject } from "vitest/node";
import { CHROMIUM_PATH } from "./browser.ts";
import { startOtlpReceiver } from "./otlp-receiver.ts";

declare module "vitest" {
  export interface ProvidedContext {
    webUrl: string;
    stackEnv: Record<string, string>;
    otlpUrl: string;
  }
}

/**
 * The browser tests drive Debian's Chromium (a browser download is impossible here). On a
 * fresh machine `npm test` installs it, once, when it can (root with apt-get); otherwise it
 * fails saying what to run.
 */
function ensureChromium() {
  if (existsSync(CHROMIUM_PATH)) return;
  const canInstall = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
  if (!canInstall) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}; install it with: sudo apt-get install -y chromium`,
    );
  }
  process.stderr.write("Chromium is missing: installing Debian's chromium for the browser tests (once)\n");
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", "chromium"],
  ]) {
    const result = spawnSync("apt-get", args, {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed (exit ${result.status})`);
  }
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is missing`);
}

/**
 * Starts the whole local stack once for the browser tests, with a small catalogue so it
 * seeds in seconds, and short export retry delays so the failure scenario (five deliveries)
 * ends in seconds rather than minutes.
 */
export default async function setup(project: TestProject) {
  ensureChromium();
  const stateDir = await mkdtemp(join(tmpdir(), "reports-e2e-"));
  // Embedded PostgreSQL drops to the "postgres" user when run as root: it must traverse this.
  await chmod(stateDir, 0o755);
  const log = createLogger({ name: "e2e-stack", level: "warn" });
  // The stack runs with tracing on, exporting to a receiver the tracing test reads from: every
  // browser test runs with it on, and one trace per report is checked (tracing.e2e.test.ts).
  const otlp = await startOtlpReceiver();
  const started = Date.now();
  const stack = await startLocalStack({
    stateDir,
    log,
    webPort: 0,
    postgresPort: 0,
    azuritePort: 0,
    serviceBusPort: 0,
    seed: { albums: 300, ratings: 20_000 },
    // (LOG_LEVEL stays info: the stack waits for the worker's "worker ready" log line.)
    extraEnv: {
      EXPORT_RETRY_BASE_MS: "200",
      EXPORT_RETRY_MAX_MS: "500",
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_METRIC_EXPORT_INTERVAL: "2000",
    },
  });
  log.warn({ webUrl: stack.webUrl, startMs: Date.now() - started }, "local stack up for the browser tests");
  project.provide("webUrl", stack.webUrl);
  project.provide("stackEnv", stack.env);
  project.provide("otlpUrl", otlp.url);
  return async () => {
    await stack.close();
    await otlp.close();
    await rm(stateDir, { recursive: true, force: true });
  };
}
