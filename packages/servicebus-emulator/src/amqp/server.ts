import { randomUUID } from "node:crypto";
import type { Server, Socket } from "node:net";
import type { Logger } from "pino";
import type { Connection, Delivery, EventContext, Message, Receiver, Sender } from "rhea";
import { audienceToPath, isPathCovered, type SasCredentials, verifySasToken } from "../auth/sas.ts";
import {
  type Broker,
  BrokerError,
  type Consumer,
  type Entity,
  type IncomingMessage,
  type Lock,
  type SettleOptions,
  type StoredMessage,
} from "../store/broker.ts";
import {
  acceptedOutcome,
  amqpTypes,
  BATCH_MESSAGE_FORMAT,
  composeMessage,
  decodeMessage,
  describeOutcome,
  getRawBytes,
  lockTokenFromRfcBytes,
  lockTokenToDotNetBytes,
  lockTokenToRfcBytes,
  longToNumber,
  type MapEntryValue,
  modifiedOutcome,
  rejectedOutcome,
  rejectedOutcomeWithoutError,
  rhea,
  splitBatch,
  type TypedValue,
} from "./codec.ts";

const CBS_ADDRESS = "$cbs";
const MANAGEMENT_SUFFIX = "/$management";

type LinkRole =
  | { kind: "cbs-requests" }
  | { kind: "management-requests"; entity: Entity }
  | { kind: "ingress"; entity: Entity }
  | { kind: "consumer"; entity: Entity; consumer: LinkConsumer }
  | { kind: "replies" }
  | { kind: "refused" };

interface ConnectionState {
  id: string;
  log: Logger;
  /** entity path (lower case) -> token expiry, from accepted put-token requests */
  authorized: Map<string, number>;
  /** reply address or link name -> the link responses go out on */
  replyLinks: Map<string, Sender>;
  consumers: Set<LinkConsumer>;
}

/** rhea internals the broker relies on; see the comments where they are used. */
interface SenderInternals {
  _draining: boolean;
  _drained: boolean;
  _get_drain(): boolean;
  credit: number;
  delivery_count: number;
  issue_flow: boolean;
  session: { outgoing: { next_pending_delivery: number; deliveries: { available(): number } } };
  connection: { _register(): void };
  local: { attach: Record<string, unknown> };
}

interface DeliveryInternals {
  id: number;
  link: Sender;
  settled: boolean;
  remote_settled: boolean;
  remote_state?: unknown;
  update(settled: boolean, state?: unknown): void;
}

interface ManagementResult {
  statusCode: number;
  body?: TypedValue;
}

export interface AmqpServerOptions {
  broker: Broker;
  credentials: SasCredentials;
  log: Logger;
}

/** The AMQP 1.0 face of the broker: SASL, CBS, entity links, $management. */
/**
 * rhea answers an attach with a null source/target and default settle modes; the SDK needs
 * the client's terminus and both settle modes echoed back.
 */
function echoAttach(link: Sender | Receiver): SenderInternals {
  link.set_source((link.source ?? {}) as never);
  link.set_target((link.target ?? {}) as never);
  const internals = link as unknown as SenderInternals;
  internals.local.attach.snd_settle_mode = link.snd_settle_mode;
  internals.local.attach.rcv_settle_mode = link.rcv_settle_mode;
  return internals;
}

export class AmqpServer {
  private readonly container = rhea.create_container({ id: `servicebus-emulator-${randomUUID()}` });
  private readonly connections = new WeakMap<Connection, ConnectionState>();
  private readonly roles = new WeakMap<object, LinkRole>();
  private readonly lockByDelivery = new WeakMap<object, Lock>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private readonly broker: Broker;
  private readonly log: Logger;

  constructor(private readonly options: AmqpServerOptions) {
    this.broker = options.broker;
    this.log = options.log;
    this.container.sasl_server_mechanisms.enable_anonymous();
    this.registerHandlers();
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = this.container.listen({
        port,
        host,
        // settlement is the broker's decision, taken after the message is durable
        autoaccept: false,
        // a `modified` outcome means abandon or defer, which rhea would otherwise fold into `released`
        treat_modified_as_released: false,
      } as never) as unknown as Server;
      this.server = server;
      server.on("connection", (socket: Socket) => {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
      });
      server.once("error", reject);
      server.once("listening", () => {
        server.off("error", reject);
        server.on("error", (err) => this.log.error({ err }, "listener error"));
        const address = server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  private registerHandlers(): void {
    const c = this.container;
    c.on("connection_open", (context: EventContext) => this.onConnectionOpen(context));
    c.on("connection_close", (context: EventContext) => this.onConnectionGone(context));
    c.on("disconnected", (context: EventContext) => this.onConnectionGone(context));
    c.on("sender_open", (context: EventContext) => this.guard(context, () => this.onSenderOpen(context)));
    c.on("receiver_open", (context: EventContext) => this.guard(context, () => this.onReceiverOpen(context)));
    c.on("sender_close", (context: EventContext) => this.onSenderClose(context));
    c.on("message", (context: EventContext) => this.guard(context, () => this.onMessage(context)));
    c.on("sender_flow", (context: EventContext) => this.onSenderFlow(context));
    c.on("sendable", (context: EventContext) => this.onSenderFlow(context));
    c.on("sender_draining", (context: EventContext) => this.onSenderDraining(context));
    for (const outcome of ["accepted", "released", "modified", "rejected"] as const) {
      c.on(outcome, (context: EventContext) =>
        this.guard(context, () => this.onDisposition(context, outcome)),
      );
    }
    c.on("error", (err: unknown) => this.log.debug({ err }, "link error from client"));
    c.on("connection_error", (context: EventContext) =>
      this.log.debug({ err: context.connection.error }, "connection error from client"),
    );
    c.on("protocol_error", (err: unknown) => this.log.warn({ err }, "AMQP protocol error"));
  }

  private guard(context: EventContext, handler: () => void): void {
    try {
      handler();
    } catch (err) {
      this.stateOf(context.connection).log.error({ err }, "unexpected error while handling an AMQP event");
    }
  }

  private stateOf(connection: Connection): ConnectionState {
    let state = this.connections.get(connection);
    if (!state) {
      const id = randomUUID().slice(0, 8);
      state = {
        id,
        log: this.log.child({ connection: id }),
        authorized: new Map(),
        replyLinks: new Map(),
        consumers: new Set(),
      };
      this.connections.set(connection, state);
    }
    return state;
  }

  private onConnectionOpen(context: EventContext): void {
    const state = this.stateOf(context.connection);
    state.log.debug({ container: context.connection.remote?.open?.container_id }, "connection opened");
  }

  private onConnectionGone(context: EventContext): void {
    const state = this.connections.get(context.connection);
    if (!state) return;
    // locks outlive the connection, as in Service Bus: they expire and the messages come back
    for (const consumer of state.consumers) consumer.stop();
    state.consumers.clear();
    state.replyLinks.clear();
    state.log.debug("connection closed");
  }

  // ---- attach -----------------------------------------------------------------------------

  private isAuthorized(state: ConnectionState, path: string): boolean {
    const now = Date.now();
    for (const [tokenPath, expiresAt] of state.authorized) {
      if (expiresAt > now && isPathCovered(tokenPath, path)) return true;
    }
    return false;
  }

  /** Works out which entity an address names, or the AMQP error to refuse the link with. */
  private resolveEntity(
    state: ConnectionState,
    address: string | undefined,
  ): { entity: Entity } | { condition: string; description: string } {
    const path = (address ?? "").replace(/^\/+/, "");
    const entityPath = path.endsWith(MANAGEMENT_SUFFIX) ? path.slice(0, -MANAGEMENT_SUFFIX.length) : path;
    if (/\/subscriptions\//i.test(entityPath)) {
      return {
        condition: "amqp:not-implemented",
        description: `Topics and subscriptions are not supported by this emulator ('${entityPath}'); use a queue.`,
      };
    }
    const entity = this.broker.getEntity(entityPath);
    if (!entity) {
      return {
        condition: "amqp:not-found",
        description: `The messaging entity '${entityPath}' could not be found. Declare it with --queue or in the config file.`,
      };
    }
    if (!this.isAuthorized(state, path)) {
      return {
        condition: "amqp:unauthorized-access",
        description: `Unauthorized access to '${path}': no valid token was put on $cbs for it.`,
      };
    }
    return { entity };
  }

  private refuse(
    link: Sender | Receiver,
    state: ConnectionState,
    condition: string,
    description: string,
  ): void {
    this.roles.set(link, { kind: "refused" });
    state.log.info({ link: link.name, condition }, description);
    link.close({ condition, description });
  }

  /** The client attached a receiving link: we send on it (deliveries, or replies). */
  private onSenderOpen(context: EventContext): void {
    const sender = context.sender as Sender;
    const state = this.stateOf(context.connection);
    const source = sender.source as { address?: string; filter?: Record<string, unknown> } | undefined;
    const target = sender.target as { address?: string } | undefined;
    const internals = echoAttach(sender);
    const address = source?.address ?? "";

    if (address === CBS_ADDRESS || address.endsWith(MANAGEMENT_SUFFIX)) {
      if (address !== CBS_ADDRESS) {
        const resolved = this.resolveEntity(state, address);
        if ("condition" in resolved) {
          this.refuse(sender, state, resolved.condition, resolved.description);
          return;
        }
      }
      this.roles.set(sender, { kind: "replies" });
      state.replyLinks.set(sender.name, sender);
      if (target?.address) state.replyLinks.set(target.address, sender);
      return;
    }
    if (source?.filter && Object.keys(source.filter).some((key) => key.includes("session-filter"))) {
      this.refuse(
        sender,
        state,
        "amqp:not-implemented",
        `Sessions are not supported by this emulator (receiver for '${address}'); declare queues without sessions.`,
      );
      return;
    }
    const resolved = this.resolveEntity(state, address);
    if ("condition" in resolved) {
      this.refuse(sender, state, resolved.condition, resolved.description);
      return;
    }
    const receiveAndDelete = sender.snd_settle_mode === 1;
    const consumer = new LinkConsumer(sender, receiveAndDelete, this.lockByDelivery);
    this.roles.set(sender, { kind: "consumer", entity: resolved.entity, consumer });
    state.consumers.add(consumer);
    // a receiver only drains when told it is drained; see onSenderDraining
    internals._get_drain = function getDrain(this: SenderInternals) {
      if (this._draining && this._drained) {
        this.delivery_count += this.credit;
        this.credit = 0;
        this._drained = false;
        return true;
      }
      return false;
    };
    state.log.debug(
      {
        queue: resolved.entity.path,
        link: sender.name,
        mode: receiveAndDelete ? "receiveAndDelete" : "peekLock",
      },
      "receiver attached",
    );
    this.broker.addConsumer(resolved.entity, consumer);
  }

  /** The client attached a sending link: we receive on it (messages, or requests). */
  private onReceiverOpen(context: EventContext): void {
    const receiver = context.receiver as Receiver;
    const state = this.stateOf(context.connection);
    const target = receiver.target as { address?: string } | undefined;
    const internals = echoAttach(receiver);
    const address = target?.address ?? "";

    if (address === CBS_ADDRESS) {
      this.roles.set(receiver, { kind: "cbs-requests" });
      return;
    }
    const resolved = this.resolveEntity(state, address);
    if ("condition" in resolved) {
      this.refuse(receiver, state, resolved.condition, resolved.description);
      return;
    }
    if (address.endsWith(MANAGEMENT_SUFFIX)) {
      this.roles.set(receiver, { kind: "management-requests", entity: resolved.entity });
      return;
    }
    if (resolved.entity.isDeadLetter) {
      this.refuse(receiver, state, "amqp:not-allowed", `Cannot send to '${resolved.entity.path}'.`);
      return;
    }
    // the SDK sizes its batches from the max-message-size of this attach
    internals.local.attach.max_message_size = resolved.entity.options.maxMessageSizeInBytes;
    this.roles.set(receiver, { kind: "ingress", entity: resolved.entity });
    state.log.debug({ queue: resolved.entity.path, link: receiver.name }, "sender attached");
  }

  private onSenderClose(context: EventContext): void {
    const sender = context.sender as Sender;
    const role = this.roles.get(sender);
    if (role?.kind !== "consumer") return;
    role.consumer.stop();
    this.broker.removeConsumer(role.entity, role.consumer);
    this.connections.get(context.connection)?.consumers.delete(role.consumer);
  }

  // ---- flow -------------------------------------------------------------------------------

  private onSenderFlow(context: EventContext): void {
    const role = this.roles.get(context.sender as Sender);
    if (role?.kind === "consumer") this.broker.pump(role.entity);
  }

  private onSenderDraining(context: EventContext): void {
    const sender = context.sender as Sender;
    const role = this.roles.get(sender);
    if (role?.kind !== "consumer") return;
    this.broker.pump(role.entity);
    // Whatever credit is left after the messages just queued is given back in a flow with drain=true:
    // receiveMessages() waits for that flow. rhea only sends it when credit remains, so getDrain above
    // is replaced to answer even when the credit was used up by messages still in flight.
    const internals = sender as unknown as SenderInternals;
    internals._drained = true;
    internals.issue_flow = true;
    internals.connection._register();
  }

  // ---- messages ---------------------------------------------------------------------------

  private onMessage(context: EventContext): void {
    const receiver = context.receiver as Receiver;
    const role = this.roles.get(receiver);
    const delivery = context.delivery as Delivery;
    const state = this.stateOf(context.connection);
    switch (role?.kind) {
      case "ingress": {
        this.onIngress(state, role.entity, context, delivery);
        return;
      }
      case "cbs-requests": {
        delivery.accept();
        this.onPutToken(state, context.message as Message);
        return;
      }
      case "management-requests": {
        delivery.accept();
        this.onManagementRequest(state, role.entity, context.message as Message);
        return;
      }
      default:
        delivery.reject({ condition: "amqp:not-allowed", description: "this link does not accept messages" });
    }
  }

  private onIngress(state: ConnectionState, entity: Entity, context: EventContext, delivery: Delivery): void {
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
    this.broker.accept(entity, incoming).then(
      () => settle.update(true, acceptedOutcome()),
      (err: unknown) => {
        const error = err instanceof BrokerError ? err : new BrokerError("amqp:internal-error", String(err));
        state.log.info({ queue: entity.path, condition: error.condition }, error.message);
        settle.update(true, rejectedOutcome(error.condition, error.message));
      },
    );
  }

  private onPutToken(state: ConnectionState, request: Message): void {
    const properties = (request.application_properties ?? {}) as Record<string, unknown>;
    const audience = String(properties.name ?? "");
    let statusCode = 202;
    let description = "Accepted";
    if (properties.operation !== "put-token") {
      statusCode = 400;
      description = `unsupported $cbs operation '${String(properties.operation)}'`;
    } else {
      const check = verifySasToken(request.body, this.options.credentials);
      const entityPath = audienceToPath(audience);
      if (!check.ok) {
        statusCode = 401;
        description = `InvalidSignature: ${check.reason}`;
      } else if (!isPathCovered(audienceToPath(check.audience), entityPath)) {
        statusCode = 401;
        description = `InvalidSignature: the token is for '${check.audience}', not '${audience}'`;
      } else {
        state.authorized.set(entityPath, check.expiresAt);
      }
    }
    if (statusCode !== 202) state.log.warn({ audience, statusCode }, `put-token refused: ${description}`);
    this.reply(state, request, {
      application_properties: { "status-code": statusCode, "status-description": description },
    });
  }

  private reply(state: ConnectionState, request: Message, response: Record<string, unknown>): void {
    const replyTo = request.reply_to;
    const sender = replyTo ? state.replyLinks.get(replyTo) : undefined;
    if (!sender?.is_open()) {
      state.log.warn({ replyTo }, "no link to reply on; response dropped");
      return;
    }
    sender.send({ ...response, correlation_id: request.message_id, to: replyTo } as Message);
  }

  // ---- $management ------------------------------------------------------------------------

  private onManagementRequest(state: ConnectionState, entity: Entity, request: Message): void {
    const properties = (request.application_properties ?? {}) as Record<string, unknown>;
    const operation = String(properties.operation ?? "");
    const body = (request.body ?? {}) as Record<string, unknown>;
    const respond = (
      statusCode: number,
      responseBody?: TypedValue,
      description?: string,
      condition?: string,
    ) => {
      const applicationProperties: Record<string, unknown> = {
        statusCode,
        statusDescription: description ?? (statusCode === 204 ? "No Content" : "OK"),
      };
      if (condition) applicationProperties.errorCondition = condition;
      this.reply(state, request, {
        application_properties: applicationProperties,
        body: responseBody ?? amqpTypes.wrap_map({}),
      });
    };
    const fail = (err: unknown) => {
      const error =
        err instanceof BrokerError
          ? err
          : new BrokerError("amqp:internal-error", err instanceof Error ? err.message : String(err), 500);
      if (error.statusCode >= 500) state.log.error({ err, operation }, "management operation failed");
      respond(error.statusCode, undefined, error.message, error.condition);
    };
    try {
      const result = this.runManagementOperation(entity, operation, body, state);
      Promise.resolve(result).then((value) => respond(value.statusCode, value.body), fail);
    } catch (err) {
      fail(err);
    }
  }

  private runManagementOperation(
    entity: Entity,
    operation: string,
    body: Record<string, unknown>,
    state: ConnectionState,
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
      case "com.microsoft:update-disposition": {
        const tokens = readLockTokens(body);
        const status = String(body["disposition-status"] ?? "");
        const options: SettleOptions = {
          propertiesToModify:
            (body["properties-to-modify"] as Record<string, unknown> | undefined) ?? undefined,
          deadLetterReason: body["deadletter-reason"] as string | undefined,
          deadLetterDescription: body["deadletter-description"] as string | undefined,
        };
        return Promise.all(
          tokens.map((token) => {
            // the link the message went out on may still be open: it must learn of the settlement too
            const delivery = this.broker.getLock(token)?.delivery as DeliveryInternals | undefined;
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
                throw new BrokerError(
                  "com.microsoft:argument-error",
                  `unknown disposition-status '${status}'`,
                );
            }
            return settled.then(() => {
              if (delivery) this.settleLinkDelivery(delivery, outcome);
            });
          }),
        ).then(() => ({ statusCode: 200 }));
      }
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
        state.log.info({ operation }, "unsupported management operation");
        throw new BrokerError(
          "amqp:not-implemented",
          `The operation '${operation}' is not supported by this emulator (sessions, rules and topics are out of scope).`,
          501,
        );
    }
  }

  // ---- dispositions -----------------------------------------------------------------------

  /**
   * Settles on its link a delivery whose message was settled through $management. Left unsettled,
   * it would stay in the session's window for good: rhea frees deliveries only from the oldest one
   * on, and only once both ends settled them, so the link stops delivering after 2048 of them.
   */
  private settleLinkDelivery(delivery: DeliveryInternals, outcome: TypedValue): void {
    this.lockByDelivery.delete(delivery);
    if (delivery.remote_settled) return;
    // an open receiver hears of it (rhea settles its end on its own, sending nothing back), so
    // settling there again is refused at once rather than left to time out
    if (delivery.link.is_open()) delivery.update(true, outcome);
    else delivery.settled = true;
    delivery.remote_settled = true;
  }

  private onDisposition(
    context: EventContext,
    outcome: "accepted" | "released" | "modified" | "rejected",
  ): void {
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

function readLockTokens(body: Record<string, unknown>): string[] {
  const tokens = body["lock-tokens"];
  if (!Array.isArray(tokens))
    throw new BrokerError("com.microsoft:argument-error", "lock-tokens is required");
  return tokens.map((token) => {
    if (Buffer.isBuffer(token)) return lockTokenFromRfcBytes(token);
    return String(token);
  });
}

/** A stored message as a receiver sees it: broker annotations added, delivery count in the header. */
function composeForClient(
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
class LinkConsumer implements Consumer {
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
