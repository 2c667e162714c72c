import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import {
  messageIdToString,
  readHeaderFields,
  rewriteApplicationProperties,
  setMessageId,
  splitSections,
} from "../amqp/codec.ts";
import type { ResolvedQueueOptions } from "../options.ts";
import { Faults, type ResolvedFaultOptions } from "./faults.ts";
import type { Journal, JournalRecord, Snapshot } from "./journal.ts";
import {
  BrokerError,
  type Consumer,
  Entities,
  type Entity,
  type IncomingMessage,
  type Lock,
  pruneSeen,
  type QueueRuntime,
  type SettleOptions,
  type StoredMessage,
} from "./model.ts";
import { Persistence } from "./persistence.ts";

const TICK_MS = 100;
const SWEEP_EVERY_TICKS = 10;

/** Queues, messages and locks: the rules of Service Bus, knowing nothing about AMQP links or files. */
export class Broker {
  private readonly entities: Entities;
  private readonly persistence: Persistence;
  private readonly locks = new Map<string, Lock>();
  private readonly faults: Faults;
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;

  constructor(
    queues: ResolvedQueueOptions[],
    private readonly log: Logger,
    faults: ResolvedFaultOptions = { redeliverCompletedProbability: 0, seed: 0 },
  ) {
    this.entities = new Entities(queues);
    this.persistence = new Persistence(this.entities);
    this.faults = new Faults(faults);
  }

  /** The queue or dead-letter queue at `path` (case-insensitive, as Service Bus entity names are). */
  getEntity(path: string): Entity | undefined {
    return this.entities.get(path);
  }

  /** The declared queues, without their dead-letter queues, in declaration order. */
  queues(): Entity[] {
    return this.entities.queueEntities();
  }

  /** A queue's message counts and size, its dead-letter queue's included, for the administration API. */
  runtimeProperties(queue: Entity): QueueRuntime {
    const runtime: QueueRuntime = {
      activeMessageCount: 0,
      scheduledMessageCount: 0,
      deadLetterMessageCount: 0,
      totalMessageCount: 0,
      sizeInBytes: 0,
      createdAt: queue.state.createdAt,
      accessedAt: queue.state.accessedAt,
    };
    for (const entity of [queue, this.entities.deadLetterOf(queue)]) {
      for (const message of entity.messages.values()) {
        if (!message.visible) continue;
        if (entity.isDeadLetter) runtime.deadLetterMessageCount++;
        else if (message.state === "scheduled") runtime.scheduledMessageCount++;
        else runtime.activeMessageCount++;
        runtime.totalMessageCount++;
        runtime.sizeInBytes += messageSize(message);
      }
    }
    return runtime;
  }

  start(journal: Journal | undefined): void {
    this.persistence.open(journal);
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.persistence.close();
  }

  // ---- restart ----------------------------------------------------------------------------

  /** Rebuilds state from journal records (before `start`). */
  replay(records: JournalRecord[]): void {
    this.persistence.apply(records);
    const now = Date.now();
    for (const entity of this.entities.values()) {
      for (const message of [...entity.messages.values()]) {
        message.visible = true;
        if (message.state === "scheduled") {
          entity.scheduled.add(message);
        } else if (
          !entity.isDeadLetter &&
          message.state === "active" &&
          message.deliveryCount >= entity.options.maxDeliveryCount
        ) {
          // it was locked when the process stopped: losing that lock counts like an expiry
          this.background(
            this.moveToDeadLetter(
              entity,
              message,
              "MaxDeliveryCountExceeded",
              maxDeliveryDescription(entity),
            ),
            "dead-letter a message past its delivery limit",
          );
        } else {
          this.makeReady(entity, message);
        }
      }
      pruneSeen(entity.state, now);
    }
  }

  /** The whole state as journal records, for compaction. */
  snapshot(): Snapshot {
    return this.persistence.snapshot();
  }

  // ---- sending ----------------------------------------------------------------------------

  /**
   * Stores messages sent to `entity`; resolves with their sequence numbers once they are durable.
   * A duplicate (same message id inside the detection window) is acknowledged but not stored: its
   * sequence number is reported as 0.
   */
  async accept(entity: Entity, incoming: IncomingMessage[]): Promise<number[]> {
    if (entity.isDeadLetter) {
      throw new BrokerError(
        "amqp:not-allowed",
        `Cannot send to the dead-letter queue '${entity.path}'.`,
        400,
      );
    }
    const limit = entity.options.maxMessageSizeInBytes;
    for (const item of incoming) {
      if (item.raw.length > limit) {
        throw new BrokerError(
          "amqp:link:message-size-exceeded",
          `The received message (size ${item.raw.length} bytes) exceeds the limit (${limit} bytes) of '${entity.path}'.`,
          413,
        );
      }
    }
    const now = Date.now();
    entity.state.accessedAt = now;
    const stored: StoredMessage[] = [];
    const sequenceNumbers: number[] = [];
    const seenIds: string[] = [];
    for (const item of incoming) {
      const message = this.createMessage(entity, item, now);
      if (entity.options.requiresDuplicateDetection && message.messageId !== undefined) {
        const seenAt = entity.state.seen.get(message.messageId);
        if (seenAt !== undefined && now - seenAt < entity.options.duplicateDetectionHistoryTimeWindowMs) {
          this.log.debug({ queue: entity.path, messageId: message.messageId }, "duplicate message dropped");
          sequenceNumbers.push(0);
          continue;
        }
        // delete first so that the entry moves to the end and insertion order stays time order
        entity.state.seen.delete(message.messageId);
        entity.state.seen.set(message.messageId, now);
        seenIds.push(message.messageId);
      }
      message.seq = entity.nextSeq++;
      entity.messages.set(message.seq, message);
      stored.push(message);
      sequenceNumbers.push(message.seq);
    }
    await this.store(entity, stored, () => {
      for (const id of seenIds) entity.state.seen.delete(id);
    });
    return sequenceNumbers;
  }

  /** Writes numbered messages, then makes them available; if the write fails they are forgotten. */
  private async store(entity: Entity, messages: StoredMessage[], undo?: () => void): Promise<void> {
    try {
      await Promise.all(messages.map((message) => this.persistence.put(entity, message)));
    } catch (error) {
      for (const message of messages) entity.messages.delete(message.seq);
      undo?.();
      throw new BrokerError(
        "com.microsoft:server-busy",
        `Could not store the message: ${String(error)}`,
        503,
      );
    }
    for (const message of messages) {
      message.visible = true;
      if (message.state === "scheduled") entity.scheduled.add(message);
      else this.makeReady(entity, message);
    }
    this.pump(entity);
  }

  private createMessage(entity: Entity, item: IncomingMessage, now: number): StoredMessage {
    const sections = splitSections(item.raw);
    const scheduledFor = item.decoded.message_annotations?.["x-opt-scheduled-enqueue-time"] as unknown;
    const scheduledAt =
      scheduledFor instanceof Date
        ? scheduledFor.getTime()
        : typeof scheduledFor === "number"
          ? scheduledFor
          : 0;
    const scheduled = scheduledAt > now;
    let messageId = messageIdToString(item.decoded.message_id);
    if (messageId === undefined) {
      // Service Bus gives every message an id; the SDK's lock renewal cannot track one without it
      messageId = randomUUID().replace(/-/g, "");
      sections.properties = setMessageId(sections.properties, messageId);
    }
    const message: StoredMessage = {
      seq: 0,
      enqueuedAt: scheduled ? scheduledAt : now,
      messageId,
      header: readHeaderFields(item.decoded),
      messageAnnotations: sections.messageAnnotations,
      properties: sections.properties,
      applicationProperties: sections.applicationProperties,
      body: sections.body,
      deliveryCount: 0,
      state: scheduled ? "scheduled" : "active",
      visible: false,
      inReadyHeap: false,
    };
    if (scheduled) message.scheduledAt = scheduledAt;
    message.expiresAt = computeExpiry(entity.options, message);
    return message;
  }

  async cancelScheduled(entity: Entity, sequenceNumbers: number[]): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const seq of sequenceNumbers) {
      const message = entity.messages.get(seq);
      if (message?.state !== "scheduled") continue;
      entity.scheduled.delete(message);
      entity.messages.delete(seq);
      writes.push(this.persistence.write({ o: "del", e: entity.path, s: seq }));
    }
    await Promise.all(writes);
  }

  // ---- receiving --------------------------------------------------------------------------

  addConsumer(entity: Entity, consumer: Consumer): void {
    entity.consumers.push(consumer);
    this.pump(entity);
  }

  removeConsumer(entity: Entity, consumer: Consumer): void {
    entity.consumers = entity.consumers.filter((candidate) => candidate !== consumer);
  }

  /** Hands available messages to consumers with credit, round robin, lowest sequence number first. */
  pump(entity: Entity): void {
    if (entity.pumping) return;
    entity.pumping = true;
    try {
      const now = Date.now();
      for (;;) {
        const consumer = this.pickConsumer(entity);
        if (!consumer) break;
        const message = this.takeReady(entity, now);
        if (!message) break;
        entity.state.accessedAt = now;
        if (consumer.receiveAndDelete) {
          this.background(this.removeMessage(entity, message), "remove a received message");
          consumer.deliver(entity, message, undefined, message.deliveryCount);
        } else {
          const lock = this.lockMessage(entity, message, now);
          consumer.deliver(entity, message, lock, message.deliveryCount - 1);
        }
      }
    } finally {
      entity.pumping = false;
    }
  }

  private pickConsumer(entity: Entity): Consumer | undefined {
    const count = entity.consumers.length;
    for (let i = 0; i < count; i++) {
      const index = (entity.nextConsumer + i) % count;
      const consumer = entity.consumers[index];
      if (consumer && consumer.availableCredit() > 0) {
        entity.nextConsumer = (index + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  private takeReady(entity: Entity, now: number): StoredMessage | undefined {
    for (;;) {
      const seq = entity.ready.pop();
      if (seq === undefined) return undefined;
      const message = entity.messages.get(seq);
      if (!message?.inReadyHeap) continue;
      message.inReadyHeap = false;
      if (message.lock || message.state !== "active" || !message.visible) continue;
      if (message.expiresAt !== undefined && message.expiresAt <= now && !entity.isDeadLetter) {
        this.expire(entity, message);
        continue;
      }
      return message;
    }
  }

  private makeReady(entity: Entity, message: StoredMessage): void {
    if (message.inReadyHeap || message.state !== "active" || message.lock) return;
    message.inReadyHeap = true;
    entity.ready.push(message.seq);
  }

  private lockMessage(entity: Entity, message: StoredMessage, now: number): Lock {
    const lock: Lock = {
      token: randomUUID(),
      entity,
      message,
      lockedUntil: now + entity.options.lockDurationMs,
    };
    message.lock = lock;
    message.deliveryCount++;
    this.locks.set(lock.token, lock);
    this.persistence.writeLater({ o: "upd", e: entity.path, s: message.seq, dc: message.deliveryCount });
    return lock;
  }

  /** Locks deferred messages by sequence number (or removes them, in receive-and-delete mode). */
  receiveDeferred(
    entity: Entity,
    sequenceNumbers: number[],
    receiveAndDelete: boolean,
  ): Array<{ message: StoredMessage; lock: Lock | undefined; headerDeliveryCount: number }> {
    const now = Date.now();
    const found = sequenceNumbers.map((seq) => {
      const message = entity.messages.get(seq);
      if (message?.state !== "deferred" || !message.visible) {
        throw new BrokerError(
          "com.microsoft:message-not-found",
          `The message with sequence number ${seq} was not found or is not deferred.`,
          404,
        );
      }
      if (message.lock && message.lock.lockedUntil > now) {
        throw new BrokerError(
          "com.microsoft:message-lock-lost",
          `The message ${seq} is locked by another receiver.`,
          410,
        );
      }
      return message;
    });
    return found.map((message) => {
      if (receiveAndDelete) {
        this.background(this.removeMessage(entity, message), "remove a received message");
        return { message, lock: undefined, headerDeliveryCount: message.deliveryCount };
      }
      const lock = this.lockMessage(entity, message, now);
      return { message, lock, headerDeliveryCount: message.deliveryCount - 1 };
    });
  }

  /** Messages from `fromSeq` on, in sequence order, whatever their state; nothing is locked. */
  peek(entity: Entity, fromSeq: number, count: number): StoredMessage[] {
    const result: StoredMessage[] = [];
    for (const message of entity.messages.values()) {
      if (message.visible && message.seq >= fromSeq) result.push(message);
    }
    result.sort((a, b) => a.seq - b.seq);
    return result.slice(0, Math.max(0, count));
  }

  // ---- settlement -------------------------------------------------------------------------

  getLock(token: string): Lock | undefined {
    const lock = this.locks.get(token);
    if (lock && lock.lockedUntil <= Date.now()) {
      this.releaseLock(lock);
      return undefined;
    }
    return lock;
  }

  private requireLock(token: string): Lock {
    const lock = this.getLock(token);
    if (!lock) {
      throw new BrokerError(
        "com.microsoft:message-lock-lost",
        `The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue. Lock token: ${token}`,
        410,
      );
    }
    return lock;
  }

  renewLock(token: string): number {
    const lock = this.requireLock(token);
    lock.lockedUntil = Date.now() + lock.entity.options.lockDurationMs;
    return lock.lockedUntil;
  }

  async complete(token: string): Promise<void> {
    const lock = this.requireLock(token);
    const { entity, message } = lock;
    this.dropLock(lock);
    await this.removeMessage(entity, message);
    if (!entity.isDeadLetter && this.faults.onCompleted(entity, message)) {
      this.background(
        this.enqueueAgain(entity, [message]).then(() => undefined),
        "deliver a completed message again",
      );
    }
  }

  // ---- faults -----------------------------------------------------------------------------

  /**
   * Fault injection: enqueues the last `count` messages completed on `queue` again, oldest first;
   * resolves with how many. See `enqueueAgain`.
   */
  redeliverCompleted(queue: Entity, count: number): Promise<number> {
    return this.enqueueAgain(queue, this.faults.lastCompleted(queue, count));
  }

  /**
   * Copies of settled messages as new arrivals: same message id, properties and body, a new
   * sequence number, no earlier deliveries. Duplicate detection does not see them, as it would not
   * see a broker's own redelivery.
   */
  private async enqueueAgain(entity: Entity, messages: StoredMessage[]): Promise<number> {
    const now = Date.now();
    const copies = messages.map((message) => {
      const copy: StoredMessage = {
        ...message,
        seq: entity.nextSeq++,
        enqueuedAt: now,
        deliveryCount: 0,
        state: "active",
        scheduledAt: undefined,
        lock: undefined,
        visible: false,
        inReadyHeap: false,
      };
      copy.expiresAt = computeExpiry(entity.options, copy);
      entity.messages.set(copy.seq, copy);
      this.log.info(
        { queue: entity.path, messageId: message.messageId, seq: copy.seq, completedSeq: message.seq },
        "fault injected: a completed message is delivered again",
      );
      return copy;
    });
    await this.store(entity, copies);
    return copies.length;
  }

  async abandon(token: string, options: SettleOptions = {}): Promise<void> {
    const lock = this.requireLock(token);
    const write = this.modifyProperties(lock.entity, lock.message, options.propertiesToModify);
    this.releaseLock(lock);
    await write;
  }

  async defer(token: string, options: SettleOptions = {}): Promise<void> {
    const lock = this.requireLock(token);
    const { entity, message } = lock;
    const writes = [this.modifyProperties(entity, message, options.propertiesToModify)];
    this.dropLock(lock);
    message.state = "deferred";
    writes.push(this.persistence.write({ o: "upd", e: entity.path, s: message.seq, st: "deferred" }));
    await Promise.all(writes);
  }

  async deadLetter(token: string, options: SettleOptions = {}): Promise<void> {
    const lock = this.requireLock(token);
    if (lock.entity.isDeadLetter) {
      // a dead-lettered message cannot be dead-lettered again; it stays where it is
      await this.abandon(token, options);
      return;
    }
    this.dropLock(lock);
    await this.moveToDeadLetter(
      lock.entity,
      lock.message,
      options.deadLetterReason,
      options.deadLetterDescription,
      options.propertiesToModify,
    );
  }

  private modifyProperties(
    entity: Entity,
    message: StoredMessage,
    properties: Record<string, unknown> | undefined,
  ): Promise<void> {
    if (!properties || Object.keys(properties).length === 0) return Promise.resolve();
    message.applicationProperties = rewriteApplicationProperties(message.applicationProperties, properties);
    return this.persistence.write({
      o: "upd",
      e: entity.path,
      s: message.seq,
      ap: message.applicationProperties ? message.applicationProperties.toString("base64") : null,
    });
  }

  /** Forgets a lock without making its message available again. */
  private dropLock(lock: Lock): void {
    this.locks.delete(lock.token);
    if (lock.message.lock === lock) lock.message.lock = undefined;
  }

  /** Ends a lock (abandon or expiry): the message is available again or, past its limit, dead-lettered. */
  private releaseLock(lock: Lock): void {
    this.dropLock(lock);
    const { entity, message } = lock;
    if (!entity.messages.has(message.seq)) return;
    if (!entity.isDeadLetter && message.deliveryCount >= entity.options.maxDeliveryCount) {
      this.background(
        this.moveToDeadLetter(entity, message, "MaxDeliveryCountExceeded", maxDeliveryDescription(entity)),
        "dead-letter a message past its delivery limit",
      );
      return;
    }
    this.makeReady(entity, message);
    this.pump(entity);
  }

  private removeMessage(entity: Entity, message: StoredMessage): Promise<void> {
    entity.messages.delete(message.seq);
    entity.scheduled.delete(message);
    if (message.lock) this.dropLock(message.lock);
    return this.persistence.write({ o: "del", e: entity.path, s: message.seq });
  }

  private moveToDeadLetter(
    entity: Entity,
    message: StoredMessage,
    reason: string | undefined,
    description: string | undefined,
    propertiesToModify?: Record<string, unknown>,
  ): Promise<void> {
    const deadLetter = this.entities.deadLetterOf(entity);
    entity.messages.delete(message.seq);
    entity.scheduled.delete(message);
    if (message.lock) this.dropLock(message.lock);
    const moved: StoredMessage = {
      ...message,
      // the dead-letter queue is an entity of its own: the message arrives there with a new number
      seq: deadLetter.nextSeq++,
      originalSeq: message.seq,
      state: "active",
      lock: undefined,
      inReadyHeap: false,
      expiresAt: undefined,
      deadLetterSource: entity.path,
      applicationProperties: rewriteApplicationProperties(message.applicationProperties, {
        ...propertiesToModify,
        DeadLetterReason: reason,
        DeadLetterErrorDescription: description,
      }),
    };
    deadLetter.messages.set(moved.seq, moved);
    this.makeReady(deadLetter, moved);
    this.log.debug({ queue: entity.path, seq: message.seq, reason }, "message dead-lettered");
    // put before del: a crash between the two leaves a copy in both queues rather than in neither
    const writes = Promise.all([
      this.persistence.put(deadLetter, moved),
      this.persistence.write({ o: "del", e: entity.path, s: message.seq }),
    ]).then(() => undefined);
    this.pump(deadLetter);
    return writes;
  }

  private expire(entity: Entity, message: StoredMessage): void {
    this.log.debug({ queue: entity.path, seq: message.seq }, "message expired");
    if (entity.options.deadLetteringOnMessageExpiration) {
      this.background(
        this.moveToDeadLetter(
          entity,
          message,
          "TTLExpiredException",
          "The message expired and was dead lettered.",
        ),
        "dead-letter an expired message",
      );
    } else {
      this.background(this.removeMessage(entity, message), "remove an expired message");
    }
  }

  /** Journal writes nobody waits for; a failure is logged, the in-memory state stays authoritative. */
  private background(write: Promise<void>, what: string): void {
    write.catch((err: unknown) => this.log.error({ err }, `could not ${what}`));
  }

  // ---- time -------------------------------------------------------------------------------

  private tick(): void {
    const now = Date.now();
    for (const lock of this.locks.values()) {
      if (lock.lockedUntil <= now) {
        this.log.debug({ queue: lock.entity.path, seq: lock.message.seq }, "lock expired");
        this.releaseLock(lock);
      }
    }
    for (const entity of this.entities.values()) {
      if (entity.scheduled.size === 0) continue;
      let activated = false;
      for (const message of entity.scheduled) {
        if ((message.scheduledAt ?? 0) > now) continue;
        entity.scheduled.delete(message);
        message.state = "active";
        message.expiresAt = computeExpiry(entity.options, message);
        this.persistence.writeLater({
          o: "upd",
          e: entity.path,
          s: message.seq,
          st: "active",
          x: message.expiresAt ?? null,
        });
        this.makeReady(entity, message);
        activated = true;
      }
      if (activated) this.pump(entity);
    }
    if (++this.ticks % SWEEP_EVERY_TICKS === 0) this.sweep(now);
  }

  /** Expires messages whose time to live has passed (locked ones wait for their lock to end). */
  private sweep(now: number): void {
    for (const entity of this.entities.values()) {
      if (entity.isDeadLetter) continue;
      pruneSeen(entity.state, now);
      for (const message of [...entity.messages.values()]) {
        if (
          message.expiresAt !== undefined &&
          message.expiresAt <= now &&
          message.visible &&
          !message.lock &&
          message.state !== "scheduled"
        ) {
          this.expire(entity, message);
        }
      }
    }
  }
}

function messageSize(message: StoredMessage): number {
  return (
    message.body.length +
    (message.properties?.length ?? 0) +
    (message.applicationProperties?.length ?? 0) +
    (message.messageAnnotations?.length ?? 0)
  );
}

function maxDeliveryDescription(entity: Entity): string {
  return `Message could not be consumed after ${entity.options.maxDeliveryCount} delivery attempts.`;
}

function computeExpiry(options: ResolvedQueueOptions, message: StoredMessage): number | undefined {
  const ttl = Math.min(
    message.header.ttl ?? Number.POSITIVE_INFINITY,
    options.defaultMessageTimeToLiveMs ?? Number.POSITIVE_INFINITY,
  );
  if (!Number.isFinite(ttl) || ttl <= 0) return undefined;
  return message.enqueuedAt + ttl;
}
