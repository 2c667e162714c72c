import pino from "pino";
import { AmqpServer } from "./amqp/server.ts";
import {
  DEFAULT_KEY,
  DEFAULT_KEY_NAME,
  type EmulatorOptions,
  type RunningEmulator,
  resolveQueueOptions,
} from "./options.ts";
import { Broker } from "./store/broker.ts";
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

  const broker = new Broker(queues, log);
  let journal: Journal | undefined;
  if (options.dataDir) {
    const started = Date.now();
    const records = await Journal.read(options.dataDir, log);
    broker.replay(records);
    journal = await Journal.create(options.dataDir, log, () => broker.snapshot());
    log.info(
      { dataDir: options.dataDir, records: records.length, ms: Date.now() - started },
      "journal replayed",
    );
  }
  broker.start(journal);

  const server = new AmqpServer({ broker, credentials: { keyName, key }, log });
  let port: number;
  try {
    port = await server.listen(options.port ?? 0, host);
  } catch (error) {
    await broker.stop();
    throw error;
  }
  const endpointHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  const connectionString = `Endpoint=sb://${endpointHost}:${port};SharedAccessKeyName=${keyName};SharedAccessKey=${key};UseDevelopmentEmulator=true`;
  log.info(
    { host, port, queues: queues.map((queue) => queue.name), durable: Boolean(journal) },
    "emulator listening",
  );

  let closing: Promise<void> | undefined;
  return {
    connectionString,
    port,
    host,
    close() {
      closing ??= (async () => {
        await server.close();
        await broker.stop();
        log.info({ port }, "emulator stopped");
      })();
      return closing;
    },
  };
}
