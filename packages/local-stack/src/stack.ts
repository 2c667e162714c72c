import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { REPORT_REQUESTS_QUEUE, REPORT_REQUESTS_QUEUE_SETTINGS } from "@reports/contracts";
import { assertDatabaseReachable, createDb } from "@reports/db";
import { startEmbeddedPostgres } from "@reports/db/embedded";
import { migrate } from "@reports/db/migrate";
import { isCatalogueEmpty, seedCatalogue } from "@reports/db/seed";
import { getFreePort, idempotentClose, isPortInUse, type Logger } from "@reports/runtime";
import { displayPath } from "@reports/runtime/local-stack";
import { EMULATOR_CERTIFICATE_FILE, startEmulator } from "@reports/servicebus-emulator";
import { ensureAppLogins } from "./app-logins.ts";
import { startAzurite } from "./azurite.ts";
import { abortReason, type ManagedChild, spawnManaged, waitForLine } from "./child-process.ts";
import { REPO_ROOT, stackEnvFile } from "./config.ts";
import { acquireStackLock } from "./stack-lock.ts";
import { loadOrCreateDevSecret, readDotenv, writeDotenv } from "./state.ts";

/** The report-requests queue as the local stack's emulator declares it: the settings Azure's has. */
export const LOCAL_REPORT_REQUESTS_QUEUE = { name: REPORT_REQUESTS_QUEUE, ...REPORT_REQUESTS_QUEUE_SETTINGS };

export interface LocalStackOptions {
  /** Folder for all state (database, blobs, queue data, secrets, stack.env, stack.lock). */
  stateDir: string;
  log: Logger;
  /** The web port; 0 = any free port. A port that is taken is an error, not silently replaced. */
  webPort?: number;
  postgresPort?: number;
  azuritePort?: number;
  serviceBusPort?: number;
  /** Existing services to use instead of starting embedded ones. */
  external?: {
    databaseUrl?: string | undefined;
    blob?: { BLOB_CONNECTION_STRING?: string | undefined; BLOB_ACCOUNT_URL?: string | undefined };
    serviceBus?: {
      SERVICEBUS_CONNECTION_STRING?: string | undefined;
      SERVICEBUS_NAMESPACE?: string | undefined;
    };
  };
  seed?: { albums: number; ratings: number; seed?: number };
  /** Run `next dev` instead of the built production server. */
  webDev?: boolean;
  /** Build the web app (through Turborepo's cache) before starting it. Default true. */
  buildWeb?: boolean;
  /** Echo the web app's and worker's output, prefixed. */
  echo?: boolean;
  /**
   * Whether the components may colour their output (the stack's own output is a terminal).
   * Default false: their output is piped through the stack, and a log written to a file
   * must not carry escape codes.
   */
  colour?: boolean;
  /** Extra environment for the web app and the worker (tests: short timeouts, log levels). */
  extraEnv?: Record<string, string>;
  /** Start the worker (default true). */
  worker?: boolean;
  /**
   * Aborting it stops the start-up: what was started is stopped again (in order) and
   * `startLocalStack` rejects with the signal's reason.
   */
  signal?: AbortSignal;
  /** The process a user stops to stop this stack, named to a second stack that finds the folder taken. */
  stopPid?: number;
  /** Development users who are operators (AUTH_DEV_ADMINS); default `admin`. */
  devAdmins?: string;
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

async function pickWebPort(preferred: number): Promise<number> {
  if (preferred === 0) return getFreePort();
  if (await isPortInUse(preferred)) {
    throw new Error(
      `Port ${preferred} is taken by another program, so the web app cannot serve on it. ` +
        `Choose another port: WEB_PORT=${await getFreePort()} npm start (any free port works; ` +
        `export the same WEB_PORT in the shell you run the README's commands from).`,
    );
  }
  return preferred;
}

/** Rejects as soon as `signal` aborts (the awaited work goes on; the caller stops it). */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

async function runToCompletion(child: ManagedChild, what: string, signal: AbortSignal | undefined) {
  const code = await abortable(child.exited, signal);
  if (code !== 0) throw new Error(`${what} failed with exit code ${code}`);
}

async function waitForHealthy(url: string, timeoutMs: number, signal: AbortSignal | undefined) {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (signal?.aborted) throw abortReason(signal);
    try {
      const response = await fetch(`${url}/healthz`, {
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(5_000)]) : AbortSignal.timeout(5_000),
      });
      if (response.status === 200) return;
      last = `${response.status} ${await response.text()}`;
    } catch (err) {
      if (signal?.aborted) throw abortReason(signal);
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`web app not healthy after ${timeoutMs} ms: ${last}`);
}

/** Environment that makes a component colour its output, or not, whatever it detects itself. */
function colourEnv(colour: boolean): Record<string, string> {
  // NO_COLOR (no-color.org) and FORCE_COLOR are what pino-pretty (colorette), Next.js
  // (picocolors) and most CLIs read; without them, a CI variable alone turns colour on.
  return colour ? { FORCE_COLOR: "1" } : { NO_COLOR: "1" };
}

/**
 * Next.js announces "✓ Ready in …" as soon as its server listens, before the stack is
 * ready (worker not started yet): the stack's own ready line must be the only one.
 */
function isNextStartupNotice(line: string): boolean {
  return /^\s*✓ (Ready in|Starting)/.test(line);
}

/**
 * Runs the worker (`apps/worker/src/main.ts`) as its own process, exactly as in production
 * (node --import tsx: no wrapper process, so signals reach it), and waits for its ready log.
 */
export async function startWorkerProcess({
  env,
  log,
  echo = false,
  signal,
}: {
  env: NodeJS.ProcessEnv;
  log: Logger;
  echo?: boolean;
  signal?: AbortSignal | undefined;
}): Promise<ManagedChild> {
  const worker = spawnManaged({
    name: "worker",
    run: { node: ["--import", "tsx", "src/main.ts"] },
    cwd: join(REPO_ROOT, "apps/worker"),
    env,
    log,
    echo,
  });
  try {
    await waitForLine(worker, (line) => line.includes("worker ready"), {
      timeoutMs: 60_000,
      what: "the worker to report ready",
      signal,
    });
  } catch (err) {
    await worker.stop(2_000);
    throw err;
  }
  return worker;
}

// The variables stack.env records that point at the stack's own services. A shell that
// sourced stack.env keeps them after the stack stops; npm start would then take them for
// external services and use a database that is gone (or, worse, an orphaned one).
// `LOCAL_STACK_EMBEDDED` in the file names those the stack started itself, so that a
// service of the user's own, recorded there too, is not mistaken for a leftover.
const SERVICE_SETTINGS = ["DATABASE_URL", "BLOB_CONNECTION_STRING", "SERVICEBUS_CONNECTION_STRING"] as const;
type ServiceSetting = (typeof SERVICE_SETTINGS)[number];
const EMBEDDED_KEY = "LOCAL_STACK_EMBEDDED";

async function refuseLeftoverSettings(file: string, given: Record<ServiceSetting, string | undefined>) {
  const recorded = await readDotenv(file);
  const embedded = new Set((recorded[EMBEDDED_KEY] ?? "").split(" "));
  const leftovers = SERVICE_SETTINGS.filter(
    (name) => embedded.has(name) && given[name] !== undefined && given[name] === recorded[name],
  );
  if (leftovers.length === 0) return;
  throw new Error(
    `${leftovers.join(", ")} in this shell ${leftovers.length === 1 ? "is" : "are"} what ${displayPath(file)} ` +
      "recorded for an earlier run of this stack, which is not running any more (the shell sourced that file). " +
      "npm start would take them for services of your own instead of starting its own. Unset them and start again:\n" +
      `  unset ${Object.keys(recorded).join(" ")}`,
  );
}

/**
 * Starts PostgreSQL, Azurite and the Service Bus emulator (unless external ones are
 * configured), migrates and seeds, then the web app and the worker. Everything is torn
 * down in reverse order by `close`, which is idempotent: the apps before the emulators
 * before the database, so that no app sees its database vanish while it still works.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { log, signal } = options;
  const stateDir = resolve(options.stateDir);
  await mkdir(stateDir, { recursive: true });
  const lock = await acquireStackLock(stateDir, { stopPid: options.stopPid });
  const stops: Array<() => Promise<void>> = [async () => lock.release()];
  const closeAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        log.error({ err }, "error while stopping a component");
      }
    }
    stops.length = 0;
  };
  const checkpoint = () => {
    if (signal?.aborted) throw abortReason(signal);
  };

  try {
    const external = options.external ?? {};
    await refuseLeftoverSettings(stackEnvFile(stateDir), {
      DATABASE_URL: external.databaseUrl,
      BLOB_CONNECTION_STRING: external.blob?.BLOB_CONNECTION_STRING,
      SERVICEBUS_CONNECTION_STRING: external.serviceBus?.SERVICEBUS_CONNECTION_STRING,
    });
    const embedded: ServiceSetting[] = [];
    // Before anything starts: a taken port is the user's to resolve.
    const webPort = await pickWebPort(options.webPort ?? 3000);

    // PostgreSQL
    let databaseUrl = options.external?.databaseUrl;
    if (databaseUrl) {
      await assertDatabaseReachable(databaseUrl, {
        source: "the environment",
        hint: "npm start uses the server DATABASE_URL names instead of starting its own; unset it to get the embedded one.",
      });
    } else {
      const postgres = await startEmbeddedPostgres({
        dataDir: join(stateDir, "postgres"),
        port: options.postgresPort ?? 0,
        log: log.child({ component: "postgres" }),
      });
      stops.push(async () => {
        await postgres.stop();
        log.info("PostgreSQL stopped");
      });
      await postgres.ensureDatabase("reports");
      databaseUrl = postgres.urlFor("reports");
      embedded.push("DATABASE_URL");
      log.info({ port: postgres.port }, "embedded PostgreSQL started");
    }
    checkpoint();
    const { applied } = await migrate({ url: databaseUrl, log: log.child({ component: "migrate" }) });
    if (applied.length > 0) log.info({ applied }, "migrations applied");
    // On the embedded server the apps log in as roles with their own table privileges, as in
    // Azure; an external DATABASE_URL is used as it is given.
    const appDatabaseUrls = options.external?.databaseUrl
      ? { web: databaseUrl, worker: databaseUrl }
      : await ensureAppLogins(databaseUrl);

    const db = createDb({ url: databaseUrl, maxConnections: 4 });
    try {
      // One transaction, bounded by the catalogue's size: a stop waits for it to end.
      if (options.seed && (await isCatalogueEmpty(db.pool))) {
        log.info(options.seed, "seeding the sample catalogue (first start)");
        await seedCatalogue({ pool: db.pool, ...options.seed, seed: options.seed.seed ?? 1 });
      }
    } finally {
      await db.close();
    }
    checkpoint();

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
        ...(signal ? { signal } : {}),
      });
      stops.push(async () => {
        await azurite.stop();
        log.info("Azurite stopped");
      });
      blobEnv = { BLOB_CONNECTION_STRING: azurite.connectionString };
      embedded.push("BLOB_CONNECTION_STRING");
      log.info({ port: azurite.port }, "Azurite started");
    }
    checkpoint();

    // Service Bus
    let serviceBusEnv: Record<string, string>;
    // The emulator's administration API (queue counts) is HTTPS with a self-signed
    // certificate kept in its data folder: the web app and the worker trust it process-wide
    // through NODE_EXTRA_CA_CERTS, so their code builds the SDK client exactly as for Azure.
    let trustedCa: Record<string, string> = {};
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
      embedded.push("SERVICEBUS_CONNECTION_STRING");
      trustedCa = { NODE_EXTRA_CA_CERTS: join(serviceBusDir, EMULATOR_CERTIFICATE_FILE) };
      log.info({ port: serviceBusPort }, "Service Bus emulator started");
    }
    checkpoint();

    // Web + worker
    const webUrl = `http://127.0.0.1:${webPort}`;
    const env: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      ...blobEnv,
      ...serviceBusEnv,
      AUTH_MODE: "development",
      AUTH_DEV_SECRET: await loadOrCreateDevSecret(stateDir),
      AUTH_DEV_ADMINS: options.devAdmins ?? "admin",
      APP_ENV: "development",
      WEB_URL: webUrl,
    };
    await writeDotenv(
      stackEnvFile(stateDir),
      { ...env, [EMBEDDED_KEY]: embedded.join(" ") },
      "Settings of the running local stack (written by npm start). Do not commit.",
    );

    const baseEnv: NodeJS.ProcessEnv = { ...process.env };
    delete baseEnv.FORCE_COLOR;
    delete baseEnv.NO_COLOR;
    Object.assign(baseEnv, colourEnv(options.colour ?? false));
    const childEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
      ...baseEnv,
      ...env,
      ...trustedCa,
      LOG_PRETTY: process.env.LOG_PRETTY ?? (options.echo ? "true" : "false"),
      ...options.extraEnv,
      ...extra,
    });
    const webDir = join(REPO_ROOT, "apps/web");
    if (!options.webDev && options.buildWeb !== false) {
      log.info("building the web app (cached by Turborepo after the first time)");
      const build = spawnManaged({
        name: "build",
        run: {
          command: process.execPath,
          args: [
            join(REPO_ROOT, "node_modules/turbo/bin/turbo"),
            "run",
            "build",
            "--filter=@reports/web",
            "--output-logs=errors-only",
          ],
        },
        cwd: REPO_ROOT,
        env: { ...baseEnv, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
        log,
        echo: options.echo ?? false,
      });
      const stopBuild = () => build.stop(5_000);
      stops.push(stopBuild);
      await runToCompletion(build, "web build", signal);
      stops.splice(stops.indexOf(stopBuild), 1);
    }
    checkpoint();
    // The production server is the standalone build, the container image's entry point;
    // `next dev` compiles on demand instead.
    const web = spawnManaged({
      name: "web",
      run: {
        node: options.webDev
          ? [
              join(REPO_ROOT, "node_modules/next/dist/bin/next"),
              "dev",
              "--port",
              String(webPort),
              "--hostname",
              "127.0.0.1",
            ]
          : [join(webDir, ".next/standalone/apps/web/start.mjs")],
      },
      cwd: webDir,
      env: childEnv({
        PORT: String(webPort),
        HOSTNAME: "127.0.0.1",
        NEXT_TELEMETRY_DISABLED: "1",
        DATABASE_URL: appDatabaseUrls.web,
      }),
      log,
      echo: options.echo ?? false,
      hideLine: isNextStartupNotice,
    });
    stops.push(async () => {
      await web.stop();
      log.info("web app stopped");
    });
    await waitForHealthy(webUrl, options.webDev ? 120_000 : 60_000, signal);
    await lock.update({ webUrl });

    const startWorker = () =>
      startWorkerProcess({
        env: childEnv({ DATABASE_URL: appDatabaseUrls.worker }),
        log,
        echo: options.echo ?? false,
        signal,
      });
    let worker: ManagedChild | undefined;
    if (options.worker !== false) {
      worker = await startWorker();
      stops.push(async () => {
        await worker?.stop();
      });
    }
    checkpoint();

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
