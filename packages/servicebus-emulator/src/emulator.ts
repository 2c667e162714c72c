import path from "node:path";
import pino from "pino";
import { createAdminApi } from "./admin/admin-api.ts";
import { CERTIFICATE_FILE } from "./admin/certificate.ts";
import { AdminEndpoint } from "./admin/endpoint.ts";
import { AmqpServer } from "./amqp/server.ts";
import { Listener } from "./listener.ts";
import {
  DEFAULT_KEY,
  DEFAULT_KEY_NAME,
  type EmulatorOptions,
  type RunningEmulator,
  resolveQueueOptions,
} from "./options.ts";
import { Broker } from "./store/broker.ts";
import { resolveFaultOptions } from "./store/faults.ts";
import { Journal } from "./store/journal.ts";

/** Starts an emulator: replays the data directory (if any), then listens. */
export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const log = options.logger ?? pino({ level: "silent" });
  const queues = options.queues.map(resolveQueueOptions);
  const names = new Set<string>();
  for (const queue of queues) {
    const key = queue.name.toLowerCase();
    if (names.has(key)) throw new Error(`queue declared twice: ${queue.name}`);
    names.add(key);
  }
  const host = options.host ?? "127.0.0.1";
  const keyName = options.keyName ?? DEFAULT_KEY_NAME;
  const key = options.key ?? DEFAULT_KEY;

  const faults = resolveFaultOptions(options.faults);
  const startedAt = Date.now();
  const broker = new Broker(queues, log, faults);
  const replay = async (): Promise<Journal | undefined> => {
    if (!options.dataDir) return undefined;
    const records = await Journal.read(options.dataDir, log);
    broker.replay(records);
    const journal = await Journal.create(options.dataDir, log, () => broker.snapshot());
    log.info(
      { dataDir: options.dataDir, records: records.length, ms: Date.now() - startedAt },
      "journal replayed",
    );
    return journal;
  };
  const credentials = { keyName, key };
  const admin = new AdminEndpoint({
    handler: createAdminApi({ broker, credentials, log, startedAt }),
    host,
    dataDir: options.dataDir,
    given: options.tls,
    log,
  });
  const [replayed, certificate] = await Promise.allSettled([
    replay(),
    // kept in the data directory, it must be there for clients to read; otherwise made on demand
    options.dataDir || options.tls ? admin.prepare() : undefined,
  ]);
  if (replayed.status === "rejected" || certificate.status === "rejected") {
    if (replayed.status === "fulfilled") await replayed.value?.close();
    throw replayed.status === "rejected" ? replayed.reason : (certificate as PromiseRejectedResult).reason;
  }
  const journal = replayed.value;
  broker.start(journal);

  const amqp = new AmqpServer({ broker, credentials, log });
  const listener = new Listener(
    {
      amqp: (socket) => amqp.accept(socket),
      tls: (stream) => admin.serveTls(stream),
      http: (socket) => admin.serveHttp(socket),
    },
    log,
  );
  let port: number;
  try {
    port = await listener.listen(options.port ?? 0, host);
  } catch (error) {
    await broker.stop();
    throw error;
  }
  const endpointHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  const connectionString = `Endpoint=sb://${endpointHost}:${port};SharedAccessKeyName=${keyName};SharedAccessKey=${key};UseDevelopmentEmulator=true`;
  log.info(
    {
      host,
      port,
      queues: queues.map((queue) => queue.name),
      durable: Boolean(journal),
      ...(faults.redeliverCompletedProbability > 0 ? { faults } : {}),
      // the administration API answers HTTPS on the same port with this certificate
      certificate: options.tls
        ? "given"
        : options.dataDir
          ? path.join(options.dataDir, CERTIFICATE_FILE)
          : "made for this run on first use",
    },
    "emulator listening",
  );

  let closing: Promise<void> | undefined;
  return {
    connectionString,
    port,
    host,
    certificate: () => admin.certificate(),
    faults: {
      seed: faults.seed,
      redeliverCompleted(queue, count) {
        const entity = broker.getEntity(queue);
        if (!entity || entity.isDeadLetter) return Promise.reject(new Error(`no queue named '${queue}'`));
        return broker.redeliverCompleted(entity, count);
      },
    },
    close() {
      closing ??= (async () => {
        await listener.close();
        await broker.stop();
        log.info({ port }, "emulator stopped");
      })();
      return closing;
    },
  };
}
