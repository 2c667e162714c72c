import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Message } from "rhea";
import {
  type HeaderFields,
  messageIdToString,
  readHeaderFields,
  rewriteApplicationProperties,
  setMessageId,
  splitSections,
} from "../amqp/codec.ts";
import type { ResolvedQueueOptions } from "../options.ts";
import type { Journal, JournalRecord, MessageState, PersistedMessage, Snapshot } from "./journal.ts";
import { ReadyHeap } from "./ready-heap.ts";

export const DEAD_LETTER_SUFFIX = "$DeadLetterQueue";

/** A broker-side failure, carrying the AMQP error condition the client maps to an SDK error code. */
export class BrokerError extends Error {
  constructor(
    readonly condition: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = "BrokerError";
  }
}

export interface StoredMessage {
  seq: number;
  enqueuedAt: number;
  messageId?: string;
  header: HeaderFields;
  messageAnnotations?: Buffer;
  properties?: Buffer;
  applicationProperties?: Buffer;
  body: Buffer;
  /** Times the message has been handed to a peek-lock receiver. */
  deliveryCount: number;
  state: MessageState;
  scheduledAt?: number;
  expiresAt?: number;
  deadLetterSource?: string;
  /** In a dead-letter queue: the sequence number the message had in its queue. */
  originalSeq?: number;
  lock?: Lock;
  /** False until the message is on disk; such a message is never delivered or peeked. */
  visible: boolean;
  inReadyHeap: boolean;
}

export interface Lock {
  token: string;
  entity: Entity;
  message: StoredMessage;
  lockedUntil: number;
  /** Opaque data the transport attaches (the link delivery to settle). */
  delivery?: unknown;
}

/** A receiving link as the broker sees it. */
export interface Consumer {
  readonly receiveAndDelete: boolean;
  availableCredit(): number;
  /** `headerDeliveryCount` is the number of earlier deliveries, as the AMQP header reports it. */
  deliver(entity: Entity, message: StoredMessage, lock: Lock | undefined, headerDeliveryCount: number): void;
}

interface QueueState {
  options: ResolvedQueueOptions;
  /** message id -> time accepted; insertion order is time order, so pruning stops at the first young entry */
  seen: Map<string, number>;
}

export class Entity {
  readonly messages = new Map<number, StoredMessage>();
  readonly ready = new ReadyHeap();
  readonly scheduled = new Set<StoredMessage>();
  consumers: Consumer[] = [];
  nextConsumer = 0;
  pumping = false;
  /**
   * Each entity numbers its own arrivals, the dead-letter queue included: a message dead-lettered
   * later always gets a higher number there, which the SDK's peek cursor (last peeked + 1) relies on.
   */
  nextSeq = 1;

  constructor(
    readonly path: string,
    readonly state: QueueState,
    readonly isDeadLetter: boolean,
  ) {}

  get options(): ResolvedQueueOptions {
    return this.state.options;
  }
}

/** A message offered by a client: its encoded bytes and rhea's decoding of them. */
export interface IncomingMessage {
  raw: Buffer;
  decoded: Message;
}

export interface SettleOptions {
  propertiesToModify?: Record<string, unknown>;
  deadLetterReason?: string;
  deadLetterDescription?: string;
}

const TICK_MS = 100;
const SWEEP_EVERY_TICKS = 10;

/** Queues, messages, locks and their persistence; knows nothing about AMQP links. */
export class Broker {
  private readonly entities = new Map<string, Entity>();
  private readonly queues: QueueState[] = [];
  private readonly locks = new Map<string, Lock>();
  private readonly orphans = new Map<string, JournalRecord & { o: "put" }>();
  private journal: Journal | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;

  constructor(
    queues: ResolvedQueueOptions[],
    private readonly log: Logger,
  ) {
    for (const options of queues) {
      const state: QueueState = { options, seen: new Map() };
      this.queues.push(state);
      this.entities.set(options.name.toLowerCase(), new Entity(options.name, state, false));
      const deadLetterPath = `${options.name}/${DEAD_LETTER_SUFFIX}`;
      this.entities.set(deadLetterPath.toLowerCase(), new Entity(deadLetterPath, state, true));
    }
  }

  /** The queue or dead-letter queue at `path` (case-insensitive, as Service Bus entity names are). */
  getEntity(path: string): Entity | undefined {
    return this.entities.get(path.replace(/^\/+|\/+$/g, "").toLowerCase());
  }

  private deadLetterOf(entity: Entity): Entity {
    return this.getEntity(`${entity.options.name}/${DEAD_LETTER_SUFFIX}`) as Entity;
  }

  start(journal: Journal | undefined): void {
    this.journal = journal;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.journal?.close();
  }

  // ---- persistence ------------------------------------------------------------------------

  /** Rebuilds state from journal records (before `start`). */
  replay(records: JournalRecord[]): void {
    for (const record of records) this.applyRecord(record);
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
      this.pruneSeen(entity.state, now);
    }
  }

  private applyRecord(record: JournalRecord): void {
    const entity = this.getEntity(record.e);
    if (!entity) {
      // a queue no longer configured: keep its messages so that declaring it again brings them back
      if (record.o === "put") this.orphans.set(`${record.e}\n${record.m.s}`, record);
      if (record.o === "del") this.orphans.delete(`${record.e}\n${record.s}`);
      return;
    }
    switch (record.o) {
      case "put": {
        entity.messages.set(record.m.s, fromPersisted(record.m));
        entity.nextSeq = Math.max(entity.nextSeq, record.m.s + 1);
        if (!entity.isDeadLetter && record.m.id !== undefined && entity.options.requiresDuplicateDetection) {
          entity.state.seen.set(record.m.id, record.m.t);
        }
        break;
      }
      case "del":
        entity.messages.delete(record.s);
        break;
      case "upd": {
        const message = entity.messages.get(record.s);
        if (!message) break;
        if (record.dc !== undefined) message.deliveryCount = record.dc;
        if (record.st !== undefined) message.state = record.st;
        if (record.ap !== undefined) {
          message.applicationProperties = record.ap === null ? undefined : Buffer.from(record.ap, "base64");
        }
        if (record.x !== undefined) message.expiresAt = record.x ?? undefined;
        break;
      }
      case "seq":
        entity.nextSeq = Math.max(entity.nextSeq, record.n);
        break;
      case "dup":
        entity.state.seen.set(record.id, record.t);
        break;
    }
  }

  /** The whole state as journal records, for compaction. */
  snapshot(): Snapshot {
    let live = this.orphans.size;
    for (const entity of this.entities.values()) live += entity.messages.size;
    return { live, records: () => this.snapshotRecords() };
  }

  private snapshotRecords(): JournalRecord[] {
    const records: JournalRecord[] = [];
    const now = Date.now();
    for (const entity of this.entities.values()) {
      records.push({ o: "seq", e: entity.path, n: entity.nextSeq });
    }
    for (const state of this.queues) {
      this.pruneSeen(state, now);
      for (const [id, t] of state.seen) records.push({ o: "dup", e: state.options.name, id, t });
    }
    for (const entity of this.entities.values()) {
      for (const message of entity.messages.values()) {
        records.push({ o: "put", e: entity.path, m: toPersisted(message) });
      }
    }
    for (const orphan of this.orphans.values()) records.push(orphan);
    return records;
  }

  private persist(record: JournalRecord): Promise<void> {
    return this.journal ? this.journal.append(record) : Promise.resolve();
  }

  private persistLater(record: JournalRecord): void {
    this.journal?.appendLater(record);
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
    try {
      await Promise.all(
        stored.map((message) => this.persist({ o: "put", e: entity.path, m: toPersisted(message) })),
      );
    } catch (error) {
      for (const message of stored) entity.messages.delete(message.seq);
      for (const id of seenIds) entity.state.seen.delete(id);
      throw new BrokerError(
        "com.microsoft:server-busy",
        `Could not store the message: ${String(error)}`,
        503,
      );
    }
    for (const message of stored) {
      message.visible = true;
      if (message.state === "scheduled") entity.scheduled.add(message);
      else this.makeReady(entity, message);
    }
    this.pump(entity);
    return sequenceNumbers;
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
      writes.push(this.persist({ o: "del", e: entity.path, s: seq }));
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
    this.persistLater({ o: "upd", e: entity.path, s: message.seq, dc: message.deliveryCount });
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
    this.dropLock(lock);
    await this.removeMessage(lock.entity, lock.message);
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
    writes.push(this.persist({ o: "upd", e: entity.path, s: message.seq, st: "deferred" }));
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
    return this.persist({
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
    return this.persist({ o: "del", e: entity.path, s: message.seq });
  }

  private moveToDeadLetter(
    entity: Entity,
    message: StoredMessage,
    reason: string | undefined,
    description: string | undefined,
    propertiesToModify?: Record<string, unknown>,
  ): Promise<void> {
    const deadLetter = this.deadLetterOf(entity);
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
      this.persist({ o: "put", e: deadLetter.path, m: toPersisted(moved) }),
      this.persist({ o: "del", e: entity.path, s: message.seq }),
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
        this.persistLater({
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
      this.pruneSeen(entity.state, now);
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

  private pruneSeen(state: QueueState, now: number): void {
    const window = state.options.duplicateDetectionHistoryTimeWindowMs;
    for (const [id, seenAt] of state.seen) {
      if (now - seenAt < window) break;
      state.seen.delete(id);
    }
  }
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

function toPersisted(message: StoredMessage): PersistedMessage {
  const persisted: PersistedMessage = {
    s: message.seq,
    t: message.enqueuedAt,
    h: message.header,
    b: message.body.toString("base64"),
    dc: message.deliveryCount,
    st: message.state,
  };
  if (message.messageId !== undefined) persisted.id = message.messageId;
  if (message.messageAnnotations) persisted.a = message.messageAnnotations.toString("base64");
  if (message.properties) persisted.p = message.properties.toString("base64");
  if (message.applicationProperties) persisted.ap = message.applicationProperties.toString("base64");
  if (message.scheduledAt !== undefined) persisted.sa = message.scheduledAt;
  if (message.expiresAt !== undefined) persisted.x = message.expiresAt;
  if (message.deadLetterSource !== undefined) persisted.ds = message.deadLetterSource;
  if (message.originalSeq !== undefined) persisted.os = message.originalSeq;
  return persisted;
}

function fromPersisted(persisted: PersistedMessage): StoredMessage {
  return {
    seq: persisted.s,
    enqueuedAt: persisted.t,
    messageId: persisted.id,
    header: persisted.h,
    messageAnnotations: persisted.a === undefined ? undefined : Buffer.from(persisted.a, "base64"),
    properties: persisted.p === undefined ? undefined : Buffer.from(persisted.p, "base64"),
    applicationProperties: persisted.ap === undefined ? undefined : Buffer.from(persisted.ap, "base64"),
    body: Buffer.from(persisted.b, "base64"),
    deliveryCount: persisted.dc,
    state: persisted.st,
    scheduledAt: persisted.sa,
    expiresAt: persisted.x,
    deadLetterSource: persisted.ds,
    originalSeq: persisted.os,
    visible: false,
    inReadyHeap: false,
  };
}
