import { ConfigError, createLogger, DUPLICATE_SIGNAL_WINDOW_MS, parseConfig } from "@reports/runtime";
import { resolveStateDir, stackEnvFile, type TLocalStackEnv, ZLocalStackEnv } from "./config.ts";
import { startLocalStack } from "./stack.ts";

// `npm start`: the whole product on this machine, no Docker, no system services.
function loadConfig(): TLocalStackEnv {
  try {
    return parseConfig(ZLocalStackEnv);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
const config = loadConfig();

const log = createLogger({ name: "local-stack", level: config.LOG_LEVEL, pretty: true });
const stateDir = resolveStateDir(config.LOCAL_STATE_DIR);
const startedAt = Date.now();

const stack = await startLocalStack({
  stateDir,
  log,
  webPort: config.WEB_PORT,
  postgresPort: config.POSTGRES_PORT,
  azuritePort: config.AZURITE_PORT,
  serviceBusPort: config.SERVICEBUS_PORT,
  external: {
    databaseUrl: config.DATABASE_URL,
    blob: {
      BLOB_CONNECTION_STRING: config.BLOB_CONNECTION_STRING,
      BLOB_ACCOUNT_URL: config.BLOB_ACCOUNT_URL,
    },
    serviceBus: {
      SERVICEBUS_CONNECTION_STRING: config.SERVICEBUS_CONNECTION_STRING,
      SERVICEBUS_NAMESPACE: config.SERVICEBUS_NAMESPACE,
    },
  },
  seed: { albums: config.SEED_ALBUMS, ratings: config.SEED_RATINGS },
  webDev: config.WEB_DEV === "true",
  echo: true,
}).catch(async (err: unknown) => {
  log.fatal({ err }, "the local stack could not start");
  process.exit(1);
});

process.stdout.write(
  `\nReady in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${stack.webUrl}  (settings in ${stackEnvFile(stateDir)}; Ctrl-C stops everything)\n\n`,
);

let stoppingSince: number | undefined;
const stop = async (signal: string) => {
  if (stoppingSince !== undefined) {
    // npm and tsx relay the terminal's Ctrl-C to us again: the same signal, not a second one.
    if (Date.now() - stoppingSince < DUPLICATE_SIGNAL_WINDOW_MS) return;
    process.stdout.write("second signal: exiting now\n");
    process.exit(130);
  }
  stoppingSince = Date.now();
  log.info({ signal }, "stopping the local stack");
  await stack.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
