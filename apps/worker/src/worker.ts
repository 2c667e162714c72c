import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { ServiceBusClient } from "@azure/service-bus";
import type { BlobServiceClient } from "@azure/storage-blob";
import { createBlobClients, createServiceBusClient, entraPostgresPassword } from "@reports/azure";
import { createDb, type Db } from "@reports/db";
import { type Closable, idempotentClose, type Logger } from "@reports/runtime";
import type { TWorkerEnv } from "./config.ts";
import { startConsumer } from "./consumer/start-consumer.ts";
import { startDeadLetterWatcher } from "./consumer/start-dead-letter-watcher.ts";
import { createRunningDeliveries } from "./heartbeat/running-deliveries.ts";
import { startHeartbeat } from "./heartbeat/start-heartbeat.ts";
import { startRelay } from "./relay/start-relay.ts";
import { startRetention } from "./retention/start-retention.ts";
import { startScheduler } from "./scheduler/start-scheduler.ts";

export interface WorkerDependencies {
  log: Logger;
  /** Injected clients are used as given and NOT closed by the worker (their owner closes them). */
  db?: Db;
  serviceBus?: ServiceBusClient;
  blob?: BlobServiceClient;
  /** Turn parts off (tests): all default to true. */
  relay?: boolean;
  consumer?: boolean;
  deadLetterWatcher?: boolean;
  heartbeat?: boolean;
  scheduler?: boolean;
  retention?: boolean;
}

/**
 * Connections: the LISTEN one, the relay's statements, and per export a lock + a cursor
 * connection; the retention loop's statements. The scheduler's transactions go through
 * Prisma's own pool.
 */
function poolSizeFor(config: TWorkerEnv) {
  return config.WORKER_CONCURRENCY * 2 + 5;
}

/**
 * Starts the worker: outbox relay, export consumer, dead-letter watcher, scheduler and
 * retention loop. Resolves once the database answers, the blob container exists and the
 * receivers are subscribed. `close(deadline)` (default: SHUTDOWN_TIMEOUT_MS from the call)
 * passes the one deadline to each, then closes the clients the worker created.
 */
export async function startWorker(config: TWorkerEnv, deps: WorkerDependencies): Promise<Closable> {
  const { log } = deps;
  const relayId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const ownDb = deps.db === undefined;
  const db =
    deps.db ??
    createDb({
      url: config.DATABASE_URL,
      maxConnections: poolSizeFor(config),
      applicationName: "reports-worker",
      ...(config.DATABASE_AUTH === "entra" ? { password: entraPostgresPassword() } : {}),
    });
  const ownServiceBus = deps.serviceBus === undefined;
  let serviceBus: ServiceBusClient | undefined;
  try {
    const started = Date.now();
    await db.pool.query("SELECT 1");
    const blob = deps.blob ?? createBlobClients(config).service;
    const container = blob.getContainerClient(config.BLOB_CONTAINER);
    await container.createIfNotExists();
    serviceBus = deps.serviceBus ?? createServiceBusClient(config);
    const sb = serviceBus;
    const running = createRunningDeliveries();

    const relay =
      deps.relay === false
        ? undefined
        : startRelay({
            pool: db.pool,
            serviceBus: sb,
            queue: config.SERVICEBUS_QUEUE,
            relayId,
            batchSize: config.RELAY_BATCH_SIZE,
            pollIntervalMs: config.RELAY_POLL_INTERVAL_MS,
            leaseMs: config.RELAY_LEASE_MS,
            log: log.child({ component: "relay" }),
          });
    const consumer =
      deps.consumer === false
        ? undefined
        : startConsumer({
            serviceBus: sb,
            queue: config.SERVICEBUS_QUEUE,
            concurrency: config.WORKER_CONCURRENCY,
            maxLockRenewalMs: config.EXPORT_LOCK_RENEWAL_MS,
            pool: db.pool,
            container,
            log: log.child({ component: "consumer" }),
            maxDeliveries: config.EXPORT_MAX_DELIVERIES,
            retryBaseMs: config.EXPORT_RETRY_BASE_MS,
            retryMaxMs: config.EXPORT_RETRY_MAX_MS,
            maxExportsPerUser: config.WORKER_MAX_EXPORTS_PER_USER,
            fairnessDeferMs: config.WORKER_FAIRNESS_DEFER_MS,
            workerId: relayId,
            running,
          });
    const watcher =
      deps.deadLetterWatcher === false
        ? undefined
        : startDeadLetterWatcher({
            serviceBus: sb,
            queue: config.SERVICEBUS_QUEUE,
            pool: db.pool,
            log: log.child({ component: "dead-letter-watcher" }),
          });
    const scheduler =
      deps.scheduler === false
        ? undefined
        : startScheduler({
            db,
            batchSize: config.SCHEDULER_BATCH_SIZE,
            pollIntervalMs: config.SCHEDULER_POLL_INTERVAL_MS,
            log: log.child({ component: "scheduler" }),
          });
    const retention =
      deps.retention === false
        ? undefined
        : startRetention({
            pool: db.pool,
            container,
            retentionDays: config.FILE_RETENTION_DAYS,
            intervalMs: config.RETENTION_INTERVAL_MS,
            batchSize: config.RETENTION_BATCH_SIZE,
            log: log.child({ component: "retention" }),
          });
    // Last: nothing after it can fail, so it never outlives a failed start.
    const heartbeat =
      deps.heartbeat === false
        ? undefined
        : startHeartbeat({
            pool: db.pool,
            identity: {
              workerId: relayId,
              host: hostname(),
              pid: process.pid,
              version: config.APP_VERSION,
              concurrency: config.WORKER_CONCURRENCY,
              startedAt: new Date(),
            },
            running,
            log: log.child({ component: "heartbeat" }),
          });
    log.info(
      {
        relayId,
        queue: config.SERVICEBUS_QUEUE,
        container: config.BLOB_CONTAINER,
        concurrency: config.WORKER_CONCURRENCY,
        startMs: Date.now() - started,
      },
      "worker ready",
    );

    return {
      close: idempotentClose(async (deadline) => {
        const components: Array<Closable | undefined> = [relay, consumer, watcher, scheduler, retention];
        await Promise.allSettled(components.map((component) => component?.close(deadline)));
        // After the consumer: the goodbye says nothing runs here any more.
        await heartbeat?.close(deadline);
        if (ownServiceBus) {
          await deadline.settle(sb.close().catch((err: unknown) => log.warn({ err }, "closing Service Bus")));
        }
        if (ownDb) {
          await deadline.settle(
            db.close().catch((err: unknown) => log.warn({ err }, "closing the database")),
          );
        }
      }, config.SHUTDOWN_TIMEOUT_MS),
    };
  } catch (err) {
    if (ownServiceBus) await serviceBus?.close().catch(() => {});
    if (ownDb) await db.close().catch(() => {});
    throw err;
  }
}
