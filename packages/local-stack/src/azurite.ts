import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, type Logger } from "@reports/runtime";
import { spawnManaged, waitForLine } from "./child-process.ts";

/** Azurite's well-known development account (documented by Microsoft, not a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface StartAzuriteOptions {
  /** Where blobs live; absent = a temporary folder removed on stop. */
  dataDir?: string;
  /** 0 or absent = a free port chosen by the OS. */
  port?: number;
  host?: string;
  log?: Logger;
  /** Echo Azurite's output with a prefix. */
  echo?: boolean;
  /** Gives up waiting (and stops Azurite) when aborted. */
  signal?: AbortSignal;
}

export interface RunningAzurite {
  connectionString: string;
  blobEndpoint: string;
  port: number;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** Starts Azurite's Blob service from its npm package as a child process. */
export async function startAzurite(options: StartAzuriteOptions = {}): Promise<RunningAzurite> {
  const log = options.log ?? createLogger({ name: "azurite", level: "warn" });
  const host = options.host ?? "127.0.0.1";
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "azurite-")));
  await mkdir(dataDir, { recursive: true });
  const main = require.resolve("azurite/dist/src/blob/main.js");
  const managed = spawnManaged({
    name: "azurite",
    run: {
      node: [
        main,
        "--blobHost",
        host,
        "--blobPort",
        String(options.port ?? 0),
        "--location",
        dataDir,
        "--disableTelemetry",
        "--skipApiVersionCheck",
        "--loose",
      ],
    },
    cwd: dataDir,
    env: { ...process.env },
    log,
    echo: options.echo ?? false,
  });
  let port: number;
  try {
    const line = await waitForLine(managed, (l) => /successfully listens on http:\/\/[^:]+:\d+/.test(l), {
      timeoutMs: 30_000,
      what: "Azurite to listen",
      signal: options.signal,
    });
    port = Number(/:(\d+)\s*$/.exec(line.trim())?.[1]);
  } catch (err) {
    await managed.stop(2_000);
    if (options.signal?.aborted) throw err;
    throw new Error(`Azurite did not start: ${(err as Error).message}`);
  }
  const blobEndpoint = `http://${host}:${port}/${AZURITE_ACCOUNT}`;
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`;
  let stopping: Promise<void> | undefined;
  return {
    connectionString,
    blobEndpoint,
    port,
    stop() {
      stopping ??= (async () => {
        await managed.stop(5_000);
        if (temporary) await rm(dataDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
