import type { Logger } from "pino";
import type { Delivery, EventContext, Message } from "rhea";
import type { Broker } from "../store/broker.ts";
import { BrokerError, type Entity, type IncomingMessage } from "../store/model.ts";
import {
  acceptedOutcome,
  BATCH_MESSAGE_FORMAT,
  decodeMessage,
  getRawBytes,
  rejectedOutcome,
  splitBatch,
} from "./codec.ts";
import type { DeliveryInternals } from "./rhea-internals.ts";

/**
 * A transfer on a client's sending link: one message or a batch envelope. It is settled with
 * `accepted` only once the broker has stored it (durably, with a data directory).
 */
export function acceptTransfer(
  broker: Broker,
  entity: Entity,
  context: EventContext,
  delivery: Delivery,
  log: Logger,
): void {
  const settle = delivery as unknown as DeliveryInternals;
  const format = (context as { format?: number }).format;
  let incoming: IncomingMessage[];
  try {
    if (format === undefined || format === 0) {
      const decoded = context.message as Message;
      const raw = getRawBytes(decoded);
      if (!raw) throw new Error("message bytes unavailable");
      incoming = [{ raw, decoded }];
    } else if (format === BATCH_MESSAGE_FORMAT) {
      // the envelope copies the first message's properties; only its data sections count
      incoming = splitBatch(context.message as unknown as Buffer).map((raw) => ({
        raw,
        decoded: decodeMessage(raw),
      }));
    } else {
      throw new BrokerError("amqp:not-implemented", `message format ${format} is not supported`);
    }
  } catch (err) {
    const error = err instanceof BrokerError ? err : new BrokerError("amqp:decode-error", String(err));
    settle.update(true, rejectedOutcome(error.condition, error.message));
    return;
  }
  broker.accept(entity, incoming).then(
    () => settle.update(true, acceptedOutcome()),
    (err: unknown) => {
      const error = err instanceof BrokerError ? err : new BrokerError("amqp:internal-error", String(err));
      log.info({ queue: entity.path, condition: error.condition }, error.message);
      settle.update(true, rejectedOutcome(error.condition, error.message));
    },
  );
}
