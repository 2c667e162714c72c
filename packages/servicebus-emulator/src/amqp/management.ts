import type { Logger } from "pino";
import type { Message } from "rhea";
import type { Broker } from "../store/broker.ts";
import { BrokerError, type Entity, type SettleOptions } from "../store/model.ts";
import {
  acceptedOutcome,
  amqpTypes,
  decodeMessage,
  lockTokenFromRfcBytes,
  lockTokenToRfcBytes,
  longToNumber,
  modifiedOutcome,
  rejectedOutcomeWithoutError,
  type TypedValue,
} from "./codec.ts";
import { composeForClient, type LinkDeliveries } from "./link-consumer.ts";

/** The address suffix of an entity's request/response node. */
export const MANAGEMENT_SUFFIX = "/$management";

interface ManagementResult {
  statusCode: number;
  body?: TypedValue;
}

/** A response to a $management request, before it is addressed to the requester. */
export interface ManagementResponse {
  application_properties: Record<string, unknown>;
  body: TypedValue;
}

/**
 * The `com.microsoft:*` operations the SDK sends to `<entity>/$management`: lock renewal,
 * settlement by lock token, peek, scheduling and receiving deferred messages by sequence number.
 */
export class ManagementOperations {
  constructor(
    private readonly broker: Broker,
    private readonly deliveries: LinkDeliveries,
  ) {}

  /** Runs one request; failures become a status code and an error condition, never a rejection. */
  async answer(entity: Entity, request: Message, log: Logger): Promise<ManagementResponse> {
    const properties = (request.application_properties ?? {}) as Record<string, unknown>;
    const operation = String(properties.operation ?? "");
    const body = (request.body ?? {}) as Record<string, unknown>;
    try {
      const result = await this.run(entity, operation, body, log);
      return respond(result.statusCode, result.body);
    } catch (err) {
      const error =
        err instanceof BrokerError
          ? err
          : new BrokerError("amqp:internal-error", err instanceof Error ? err.message : String(err), 500);
      if (error.statusCode >= 500) log.error({ err, operation }, "management operation failed");
      return respond(error.statusCode, undefined, error.message, error.condition);
    }
  }

  private run(
    entity: Entity,
    operation: string,
    body: Record<string, unknown>,
    log: Logger,
  ): ManagementResult | Promise<ManagementResult> {
    switch (operation) {
      case "com.microsoft:renew-lock": {
        const expirations = readLockTokens(body).map((token) => this.broker.renewLock(token));
        return {
          statusCode: 200,
          body: amqpTypes.wrap_map({
            expirations: amqpTypes.wrap_list(expirations.map(amqpTypes.wrap_timestamp)),
          }),
        };
      }
      case "com.microsoft:update-disposition":
        return this.updateDisposition(body).then(() => ({ statusCode: 200 }));
      case "com.microsoft:peek-message": {
        const from = longToNumber(body["from-sequence-number"] ?? 1);
        const count = Number(body["message-count"] ?? 1);
        const messages = this.broker.peek(entity, from, count);
        if (messages.length === 0) return { statusCode: 204 };
        return {
          statusCode: 200,
          body: amqpTypes.wrap_map({
            messages: amqpTypes.wrap_list(
              messages.map((message) =>
                amqpTypes.wrap_map({
                  message: amqpTypes.wrap_binary(
                    composeForClient(entity, message, message.lock, message.deliveryCount),
                  ),
                }),
              ),
            ),
          }),
        };
      }
      case "com.microsoft:schedule-message": {
        const entries = (body.messages ?? []) as Array<Record<string, unknown>>;
        const incoming = entries.map((entry) => {
          const raw = entry.message as Buffer;
          return { raw, decoded: decodeMessage(raw) };
        });
        return this.broker.accept(entity, incoming).then((sequenceNumbers) => ({
          statusCode: 200,
          body: amqpTypes.wrap_map({
            "sequence-numbers": amqpTypes.wrap_list(sequenceNumbers.map((seq) => amqpTypes.wrap_long(seq))),
          }),
        }));
      }
      case "com.microsoft:cancel-scheduled-message": {
        const sequenceNumbers = ((body["sequence-numbers"] ?? []) as unknown[]).map(longToNumber);
        return this.broker.cancelScheduled(entity, sequenceNumbers).then(() => ({ statusCode: 200 }));
      }
      case "com.microsoft:receive-by-sequence-number": {
        const sequenceNumbers = ((body["sequence-numbers"] ?? []) as unknown[]).map(longToNumber);
        const receiveAndDelete = Number(body["receiver-settle-mode"] ?? 1) === 0;
        const received = this.broker.receiveDeferred(entity, sequenceNumbers, receiveAndDelete);
        return {
          statusCode: 200,
          body: amqpTypes.wrap_map({
            messages: amqpTypes.wrap_list(
              received.map(({ message, lock, headerDeliveryCount }) => {
                const entry: Record<string, unknown> = {
                  message: amqpTypes.wrap_binary(
                    composeForClient(entity, message, lock, headerDeliveryCount),
                  ),
                };
                if (lock) entry["lock-token"] = amqpTypes.wrap_uuid(lockTokenToRfcBytes(lock.token));
                return amqpTypes.wrap_map(entry);
              }),
            ),
          }),
        };
      }
      default:
        log.info({ operation }, "unsupported management operation");
        throw new BrokerError(
          "amqp:not-implemented",
          `The operation '${operation}' is not supported by this emulator (sessions, rules and topics are out of scope).`,
          501,
        );
    }
  }

  private async updateDisposition(body: Record<string, unknown>): Promise<void> {
    const tokens = readLockTokens(body);
    const status = String(body["disposition-status"] ?? "");
    const options: SettleOptions = {
      propertiesToModify: (body["properties-to-modify"] as Record<string, unknown> | undefined) ?? undefined,
      deadLetterReason: body["deadletter-reason"] as string | undefined,
      deadLetterDescription: body["deadletter-description"] as string | undefined,
    };
    await Promise.all(
      tokens.map((token) => {
        // the link the message went out on may still be open: it must learn of the settlement too
        const delivery = this.broker.getLock(token)?.delivery;
        let settled: Promise<void>;
        let outcome: TypedValue;
        switch (status) {
          case "completed":
            settled = this.broker.complete(token);
            outcome = acceptedOutcome();
            break;
          case "abandoned":
            settled = this.broker.abandon(token, options);
            outcome = modifiedOutcome(false);
            break;
          case "defered":
          case "deferred":
            settled = this.broker.defer(token, options);
            outcome = modifiedOutcome(true);
            break;
          case "suspended":
            settled = this.broker.deadLetter(token, options);
            outcome = rejectedOutcomeWithoutError();
            break;
          default:
            throw new BrokerError("com.microsoft:argument-error", `unknown disposition-status '${status}'`);
        }
        return settled.then(() => {
          if (delivery) this.deliveries.settleOnLink(delivery, outcome);
        });
      }),
    );
  }
}

function respond(
  statusCode: number,
  body?: TypedValue,
  description?: string,
  condition?: string,
): ManagementResponse {
  const applicationProperties: Record<string, unknown> = {
    statusCode,
    statusDescription: description ?? (statusCode === 204 ? "No Content" : "OK"),
  };
  if (condition) applicationProperties.errorCondition = condition;
  return { application_properties: applicationProperties, body: body ?? amqpTypes.wrap_map({}) };
}

function readLockTokens(body: Record<string, unknown>): string[] {
  const tokens = body["lock-tokens"];
  if (!Array.isArray(tokens))
    throw new BrokerError("com.microsoft:argument-error", "lock-tokens is required");
  return tokens.map((token) => {
    if (Buffer.isBuffer(token)) return lockTokenFromRfcBytes(token);
    return String(token);
  });
}
