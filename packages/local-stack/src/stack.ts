import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { REPORT_REQUESTS_QUEUE, REPORT_REQUESTS_QUEUE_SETTINGS } from "@reports/contracts";
import { createDb } from "@reports/db";
import { startEmbeddedPostgres } from "@reports/db/embedded";
import { migrate } from "@reports/db/migrate";
import { isCatalogueEmpty, seedCatalogue } from "@reports/db/seed";
import { getFreePort, idempotentClose, isPortInUse, type Logger } from "@reports/runtime";
import { startEmulator } from "@reports/servicebus-emulator";
import { startAzurite } from "./azurite.ts";
import { type ManagedChild, spawnManaged, waitForLine } from "./child-process.ts";
import { REPO_ROOT, stackEnvFile } from "./config.ts";
import { loadOrCreateDevSecret, writeDotenv } from "./state.ts";

/** The report-requests queue as the local stack's emulator declares it: the settings Azure's has. */
export const LOCAL_REPORT_REQUESTS_QUEUE = { name: REPORT_REQUESTS_QUEUE, ...REPORT_REQUESTS_QUEUE_SETTINGS };

export interface LocalStackOptions {
  /** Folder for all state (database, blobs, queue data, secrets, stack.env). */
  stateDir: string;
  log: Logger;
  /** Preferred web port; 0 = any free port. A taken preferred port falls back to a free one. */
  webPort?: number;
  postgresPort?: number;
  azuritePort?: number;
  serviceBusPort?: number;
  /** Existing services to use instead of starting embedded ones. */
  external?: {
    databaseUrl?: string;
    blob?: { BLOB_CONNECTION_STRING?: string; BLOB_ACCOUNT_URL?: string };
    serviceBus?: { SERVICEBUS_CONNECTION_STRING?: string; SERVICEBUS_NAMESPACE?: string };
  };
  seed?: { albums: number; ratings: number; seed?: number };
  /** Run `next dev` instead of the built production server. */
  webDev?: boolean;
  /** Build the web app (through Turborepo's cache) before starting it. Default true. */
  buildWeb?: boolean;
  /** Echo the web app's and worker's output, prefixed. */
  echo?: boolean;
  /** Extra environment for the web app and the worker (tests: short timeouts, log levels). */
  extraEnv?: Record<string, string>;
  /** Start the worker (default true). */
  worker?: boolean;
}

export interface LocalStack {
  webUrl: string;
  /** The resolved settings of the running stack, as written to stack.env. */
  env: Record<string, string>;
  /** Stop and start the worker (tests). */
  restartWorker(): Promise<void>;
  stopServiceBus(): Promise<void>;
  startServiceBus(): Promise<void>;
  close(): Promise<void>;
}

async function pickWebPort(preferred: number, log: Logger): Promise<number> {
  if (preferred === 0) return getFreePort();
  if (!(await isPortInUse(preferred))) return preferred;
  const port = await getFreePort();
  log.warn({ preferred, port }, "web port is taken; using a free one instead");
  return port;
}

async function runToCompletion(child: ManagedChild, what: string) {
  const code = await child.exited;
  if (code !== 0) throw new Error(`${what} failed with exit code ${code}`);
}

async function waitForHealthy(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.status === 200) return;
      last = `${response.status} ${await response.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`web app not healthy after ${timeoutMs} ms: ${last}`);
}

/**
 * Runs the worker (`apps/worker/src/main.ts`) as its own process, exactly as in production
 * (node --import tsx: no wrapper process, so signals reach it), and waits for its ready log.
 */
export async function startWorkerProcess({
  env,
  log,
  echo = false,
}: {
  env: NodeJS.ProcessEnv;
  log: Logger;
  echo?: boolean;
}): Promise<ManagedChild> {
  const worker = spawnManaged({
    name: "worker",
    command: process.execPath,
    args: ["--import", "tsx", "src/main.ts"],
    cwd: join(REPO_ROOT, "apps/worker"),
    env,
    log,
    echo,
  });
  try {
    await waitForLine(worker, (line) => line.includes("worker ready"), {
      timeoutMs: 60_000,
      what: "the worker to report ready",
    });
  } catch (err) {
    await worker.stop(2_000);
    throw err;
  }
  return worker;
}

/**
 * Starts PostgreSQL, Azurite and the Service Bus emulator (unless external ones are
 * configured), migrates and seeds, then the web app and the worker. Everything is torn
 * down in reverse order by `close`, which is idempotent.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { log } = options;
  const stateDir = resolve(options.stateDir);
  await mkdir(stateDir, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        log.error({ err }, "error while stopping a component");
      }
    }
  };

  try {
    // PostgreSQL
    let databaseUrl = options.external?.databaseUrl;
    if (!databaseUrl) {
      const postgres = await startEmbeddedPostgres({
        dataDir: join(stateDir, "postgres"),
        port: options.postgresPort ?? 0,
        log: log.child({ component: "postgres" }),
      });
      stops.push(() => postgres.stop());
      await postgres.ensureDatabase("reports");
      databaseUrl = postgres.urlFor("reports");
      log.info({ port: postgres.port }, "embedded PostgreSQL started");
    }
    const { applied } = await migrate({ url: databaseUrl, log: log.child({ component: "migrate" }) });
    if (applied.length > 0) log.info({ applied }, "migrations applied");

    const db = createDb({ url: databaseUrl, maxConnections: 4 });
    try {
      if (options.seed && (await isCatalogueEmpty(db.pool))) {
        log.info(options.seed, "seeding the sample catalogue (first start)");
        await seedCatalogue({ pool: db.pool, ...options.seed, seed: options.seed.seed ?? 1 });
      }
    } finally {
      await db.close();
    }

    // Blob Storage
    let blobEnv: Record<string, string>;
    const externalBlob = options.external?.blob;
    if (externalBlob?.BLOB_CONNECTION_STRING || externalBlob?.BLOB_ACCOUNT_URL) {
      blobEnv = Object.fromEntries(Object.entries(externalBlob).filter(([, v]) => v)) as Record<
        string,
        string
      >;
    } else {
      const azurite = await startAzurite({
        dataDir: join(stateDir, "azurite"),
        port: options.azuritePort ?? 0,
        log: log.child({ component: "azurite" }),
      });
      stops.push(() => azurite.stop());
      blobEnv = { BLOB_CONNECTION_STRING: azurite.connectionString };
      log.info({ port: azurite.port }, "Azurite started");
    }

    // Service Bus
    let serviceBusEnv: Record<string, string>;
    let emulator: Awaited<ReturnType<typeof startEmulator>> | undefined;
    const externalBus = options.external?.serviceBus;
    const serviceBusDir = join(stateDir, "servicebus");
    let serviceBusPort = options.serviceBusPort ?? 0;
    const startBus = async () => {
      emulator = await startEmulator({
        port: serviceBusPort,
        dataDir: serviceBusDir,
        queues: [LOCAL_REPORT_REQUESTS_QUEUE],
        logger: log.child({ component: "servicebus" }),
      });
      serviceBusPort = emulator.port;
    };
    if (externalBus?.SERVICEBUS_CONNECTION_STRING || externalBus?.SERVICEBUS_NAMESPACE) {
      serviceBusEnv = Object.fromEntries(Object.entries(externalBus).filter(([, v]) => v)) as Record<
        string,
        string
      >;
    } else {
      await startBus();
      stops.push(async () => {
        await emulator?.close();
      });
      serviceBusEnv = { SERVICEBUS_CONNECTION_STRING: emulator!.connectionString };
      log.info({ port: serviceBusPort }, "Service Bus emulator started");
    }

    // Web + worker
    const webPort = await pickWebPort(options.webPort ?? 3000, log);
    const webUrl = `http://127.0.0.1:${webPort}`;
    const env: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      ...blobEnv,
      ...serviceBusEnv,
      AUTH_MODE: "development",
      AUTH_DEV_SECRET: await loadOrCreateDevSecret(stateDir),
      APP_ENV: "development",
      WEB_URL: webUrl,
    };
    await writeDotenv(
      stackEnvFile(stateDir),
      env,
      "Settings of the running local stack (written by npm start). Do not commit.",
    );

    const childEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
      ...process.env,
      ...env,
      LOG_PRETTY: process.env.LOG_PRETTY ?? (options.echo ? "true" : "false"),
      ...options.extraEnv,
      ...extra,
    });
    const webDir = join(REPO_ROOT, "apps/web");
    if (!options.webDev && options.buildWeb !== false) {
      log.info("building the web app (cached by Turborepo after the first time)");
      const build = spawnManaged({
        name: "build",
        command: process.execPath,
        args: [
          join(REPO_ROOT, "node_modules/turbo/bin/turbo"),
          "run",
          "build",
          "--filter=@reports/web",
          "--output-logs=errors-only",
        ],
        cwd: REPO_ROOT,
        env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
        log,
        echo: options.echo ?? false,
      });
      await runToCompletion(build, "web build");
    }
    // The production server is the standalone build, the container image's entry point;
    // `next dev` compiles on demand instead.
    const web = spawnManaged({
      name: "web",
      command: process.execPath,
      args: options.webDev
        ? [
            join(REPO_ROOT, "node_modules/next/dist/bin/next"),
            "dev",
            "--port",
            String(webPort),
            "--hostname",
            "127.0.0.1",
          ]
        : [join(webDir, ".next/standalone/apps/web/server.js")],
      cwd: webDir,
      env: childEnv({ PORT: String(webPort), HOSTNAME: "127.0.0.1", NEXT_TELEMETRY_DISABLED: "1" }),
      log,
      echo: options.echo ?? false,
    });
    stops.push(() => web.stop());
    await waitForHealthy(webUrl, options.webDev ? 120_000 : 60_000);

    const startWorker = () => startWorkerProcess({ env: childEnv({}), log, echo: options.echo ?? false });
    let worker: ManagedChild | undefined;
    if (options.worker !== false) {
      worker = await startWorker();
      stops.push(async () => {
        await worker?.stop();
      });
    }

    return {
      webUrl,
      env,
      async restartWorker() {
        await worker?.stop();
        worker = await startWorker();
      },
      async stopServiceBus() {
        await emulator?.close();
      },
      async startServiceBus() {
        await startBus();
      },
      close: idempotentClose(closeAll),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
