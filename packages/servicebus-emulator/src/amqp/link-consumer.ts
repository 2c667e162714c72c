import type { EventContext, Sender } from "rhea";
import type { Broker } from "../store/broker.ts";
import { BrokerError, type Consumer, type Entity, type Lock, type StoredMessage } from "../store/model.ts";
import {
  amqpTypes,
  composeMessage,
  describeOutcome,
  lockTokenToDotNetBytes,
  type MapEntryValue,
  rejectedOutcome,
  rejectedOutcomeWithoutError,
  type TypedValue,
} from "./codec.ts";
import type { DeliveryInternals, SenderInternals } from "./rhea-internals.ts";

export type DispositionOutcome = "accepted" | "released" | "modified" | "rejected";

/** A stored message as a receiver sees it: broker annotations added, delivery count in the header. */
export function composeForClient(
  entity: Entity,
  message: StoredMessage,
  lock: Lock | undefined,
  headerDeliveryCount: number,
): Buffer {
  const annotations = new Map<string, MapEntryValue>();
  annotations.set("x-opt-sequence-number", amqpTypes.wrap_long(message.seq));
  annotations.set("x-opt-enqueued-time", amqpTypes.wrap_timestamp(message.enqueuedAt));
  if (lock) annotations.set("x-opt-locked-until", amqpTypes.wrap_timestamp(lock.lockedUntil));
  if (message.state === "deferred") annotations.set("x-opt-message-state", amqpTypes.wrap_int(1));
  if (message.state === "scheduled") annotations.set("x-opt-message-state", amqpTypes.wrap_int(2));
  if (message.deadLetterSource && entity.isDeadLetter) {
    annotations.set("x-opt-deadletter-source", amqpTypes.wrap_string(message.deadLetterSource));
  }
  if (message.originalSeq !== undefined && entity.isDeadLetter) {
    // the SDK's enqueuedSequenceNumber: where the message stood in its queue before it was dead-lettered
    annotations.set("x-opt-enqueue-sequence-number", amqpTypes.wrap_long(message.originalSeq));
  }
  // Service Bus reports the effective time to live (the queue default caps the sender's) in the header
  const effectiveTtl = message.expiresAt === undefined ? undefined : message.expiresAt - message.enqueuedAt;
  const header =
    effectiveTtl !== undefined && effectiveTtl <= 0xffff_ffff && effectiveTtl !== message.header.ttl
      ? { ...message.header, ttl: effectiveTtl }
      : message.header;
  return composeMessage({ ...message, header }, headerDeliveryCount, annotations);
}

/** A client's receiving link, through which the broker delivers messages. */
export class LinkConsumer implements Consumer {
  private readonly queued: Array<{ id: number }> = [];
  private stopped = false;
  private nextTag = 0;

  constructor(
    private readonly sender: Sender,
    readonly receiveAndDelete: boolean,
    private readonly lockByDelivery: WeakMap<object, Lock>,
  ) {}

  stop(): void {
    this.stopped = true;
  }

  availableCredit(): number {
    if (this.stopped || !this.sender.is_open()) return 0;
    const internals = this.sender as unknown as SenderInternals;
    const outgoing = internals.session.outgoing;
    // rhea only takes credit when a transfer is written (next tick); count what is queued but unsent
    while (this.queued.length > 0 && (this.queued[0] as { id: number }).id < outgoing.next_pending_delivery) {
      this.queued.shift();
    }
    return Math.min(internals.credit - this.queued.length, outgoing.deliveries.available());
  }

  deliver(entity: Entity, message: StoredMessage, lock: Lock | undefined, headerDeliveryCount: number): void {
    const bytes = composeForClient(entity, message, lock, headerDeliveryCount);
    const tag = lock ? lockTokenToDotNetBytes(lock.token) : Buffer.from(String(this.nextTag++));
    const delivery = this.sender.send(bytes as never, tag, 0) as unknown as { id: number };
    this.queued.push(delivery);
    if (lock) {
      lock.delivery = delivery;
      this.lockByDelivery.set(delivery, lock);
    }
  }
}

/** The peek-lock deliveries made on consumer links, and their settlement by the client. */
export class LinkDeliveries {
  private readonly lockByDelivery = new WeakMap<object, Lock>();

  constructor(private readonly broker: Broker) {}

  openConsumer(sender: Sender, receiveAndDelete: boolean): LinkConsumer {
    return new LinkConsumer(sender, receiveAndDelete, this.lockByDelivery);
  }

  /**
   * Settles on its link a delivery whose message was settled through $management. Left unsettled,
   * it would stay in the session's window for good: rhea frees deliveries only from the oldest one
   * on, and only once both ends settled them, so the link stops delivering after 2048 of them.
   */
  settleOnLink(delivery: unknown, outcome: TypedValue): void {
    const internals = delivery as DeliveryInternals;
    this.lockByDelivery.delete(internals);
    if (internals.remote_settled) return;
    // an open receiver hears of it (rhea settles its end on its own, sending nothing back), so
    // settling there again is refused at once rather than left to time out
    if (internals.link.is_open()) internals.update(true, outcome);
    else internals.settled = true;
    internals.remote_settled = true;
  }

  /** The client settled a delivery on its link: complete, abandon, defer or dead-letter its message. */
  onDisposition(context: EventContext, outcome: DispositionOutcome): void {
    const delivery = context.delivery as unknown as DeliveryInternals;
    const lock = this.lockByDelivery.get(delivery);
    const remoteState = delivery.remote_state as
      | {
          undeliverable_here?: boolean;
          message_annotations?: Record<string, unknown>;
          error?: { condition?: string; description?: string; info?: Record<string, unknown> };
        }
      | undefined;
    // Answer with the client's outcome minus any error: the SDK treats an error in the answer as failure.
    const answer = outcome === "rejected" ? rejectedOutcomeWithoutError() : describeOutcome(remoteState);
    const settle = (state: unknown) => {
      this.lockByDelivery.delete(delivery);
      if (!delivery.remote_settled) {
        delivery.update(true, state);
        // the receiver settled first (rcv-settle-mode second) and sends nothing more; without this
        // rhea keeps the delivery in its session window forever and the link stalls after 2048
        delivery.remote_settled = true;
      }
    };
    if (!lock) {
      // receive-and-delete deliveries are pre-settled; anything else was settled already
      settle(lockLostOutcome());
      return;
    }
    let settled: Promise<void>;
    try {
      switch (outcome) {
        case "accepted":
          settled = this.broker.complete(lock.token);
          break;
        case "released":
          settled = this.broker.abandon(lock.token);
          break;
        case "modified":
          settled = remoteState?.undeliverable_here
            ? this.broker.defer(lock.token, { propertiesToModify: remoteState.message_annotations })
            : this.broker.abandon(lock.token, { propertiesToModify: remoteState?.message_annotations });
          break;
        case "rejected": {
          const { DeadLetterReason, DeadLetterErrorDescription, ...rest } = remoteState?.error?.info ?? {};
          settled = this.broker.deadLetter(lock.token, {
            deadLetterReason: (DeadLetterReason as string | undefined) ?? remoteState?.error?.condition,
            deadLetterDescription:
              (DeadLetterErrorDescription as string | undefined) ?? remoteState?.error?.description,
            propertiesToModify: rest,
          });
          break;
        }
      }
    } catch (err) {
      settled = Promise.reject(err);
    }
    settled.then(
      () => settle(answer),
      (err: unknown) => {
        const error = err instanceof BrokerError ? err : new BrokerError("amqp:internal-error", String(err));
        settle(rejectedOutcome(error.condition, error.message));
      },
    );
  }
}

function lockLostOutcome(): TypedValue {
  return rejectedOutcome(
    "com.microsoft:message-lock-lost",
    "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.",
  );
}
