import type { Message } from "rhea";
import type { HeaderFields } from "../amqp/codec.ts";
import type { ResolvedQueueOptions } from "../options.ts";
import type { MessageState } from "./journal.ts";
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

/** A message held by the broker: the client's encoded sections plus broker state. */
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

/** A peek-lock receiver's hold on a message. */
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

/** What a queue and its dead-letter queue share: the options and the duplicate-detection history. */
export interface QueueState {
  options: ResolvedQueueOptions;
  /** message id -> time accepted; insertion order is time order, so pruning stops at the first young entry */
  seen: Map<string, number>;
  /** When the queue was declared (the emulator's start). */
  createdAt: number;
  /** Last send to or delivery from the queue or its dead-letter queue. */
  accessedAt?: number;
}

/** A queue's numbers as the administration API reports them. */
export interface QueueRuntime {
  /** Active and deferred messages, locked or not. */
  activeMessageCount: number;
  scheduledMessageCount: number;
  deadLetterMessageCount: number;
  /** Everything the queue holds, its dead-letter queue included. */
  totalMessageCount: number;
  /** Encoded size of every message counted in `totalMessageCount`. */
  sizeInBytes: number;
  createdAt: number;
  accessedAt: number | undefined;
}

/** A queue or a dead-letter queue: its messages and the receivers attached to it. */
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

/** Every declared queue and its dead-letter queue, by path. */
export class Entities {
  private readonly byPath = new Map<string, Entity>();
  readonly queues: QueueState[] = [];

  constructor(queues: ResolvedQueueOptions[]) {
    for (const options of queues) {
      const state: QueueState = { options, seen: new Map(), createdAt: Date.now() };
      this.queues.push(state);
      this.byPath.set(options.name.toLowerCase(), new Entity(options.name, state, false));
      const deadLetterPath = `${options.name}/${DEAD_LETTER_SUFFIX}`;
      this.byPath.set(deadLetterPath.toLowerCase(), new Entity(deadLetterPath, state, true));
    }
  }

  /** The queue or dead-letter queue at `path` (case-insensitive, as Service Bus entity names are). */
  get(path: string): Entity | undefined {
    return this.byPath.get(path.replace(/^\/+|\/+$/g, "").toLowerCase());
  }

  deadLetterOf(entity: Entity): Entity {
    return this.get(`${entity.options.name}/${DEAD_LETTER_SUFFIX}`) as Entity;
  }

  values(): IterableIterator<Entity> {
    return this.byPath.values();
  }

  /** The declared queues, without their dead-letter queues, in declaration order. */
  queueEntities(): Entity[] {
    return [...this.byPath.values()].filter((entity) => !entity.isDeadLetter);
  }
}

/** Forgets message ids older than the queue's duplicate-detection window. */
export function pruneSeen(state: QueueState, now: number): void {
  const window = state.options.duplicateDetectionHistoryTimeWindowMs;
  for (const [id, seenAt] of state.seen) {
    if (now - seenAt < window) break;
    state.seen.delete(id);
  }
}

/** A message offered by a client: its encoded bytes and rhea's decoding of them. */
export interface IncomingMessage {
  raw: Buffer;
  decoded: Message;
}

/** What a settlement may change besides the message's state. */
export interface SettleOptions {
  propertiesToModify?: Record<string, unknown>;
  deadLetterReason?: string;
  deadLetterDescription?: string;
}
