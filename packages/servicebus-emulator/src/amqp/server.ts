import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import type { Logger } from "pino";
import type { Connection, Delivery, EventContext, Message, Receiver, Sender } from "rhea";
import { audienceToPath, isPathCovered, type SasCredentials, verifySasToken } from "../auth/sas.ts";
import type { Broker } from "../store/broker.ts";
import type { Entity } from "../store/model.ts";
import { rhea } from "./codec.ts";
import { acceptTransfer } from "./ingress.ts";
import { type LinkConsumer, LinkDeliveries } from "./link-consumer.ts";
import { MANAGEMENT_SUFFIX, ManagementOperations } from "./management.ts";
import { announceDrained, drainOnlyWhenAnnounced, echoAttach } from "./rhea-internals.ts";

const CBS_ADDRESS = "$cbs";

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

export interface AmqpServerOptions {
  broker: Broker;
  credentials: SasCredentials;
  log: Logger;
}

/**
 * The AMQP 1.0 face of the broker: SASL, CBS, entity links, $management. What the SDK expects of
 * each is in docs/wire-protocol.md.
 */
export class AmqpServer {
  private readonly container = rhea.create_container({ id: `servicebus-emulator-${randomUUID()}` });
  private readonly connections = new WeakMap<Connection, ConnectionState>();
  private readonly roles = new WeakMap<object, LinkRole>();
  private readonly deliveries: LinkDeliveries;
  private readonly management: ManagementOperations;
  private readonly broker: Broker;
  private readonly log: Logger;

  constructor(private readonly options: AmqpServerOptions) {
    this.broker = options.broker;
    this.log = options.log;
    this.deliveries = new LinkDeliveries(this.broker);
    this.management = new ManagementOperations(this.broker, this.deliveries);
    this.container.sasl_server_mechanisms.enable_anonymous();
    this.registerHandlers();
  }

  /** Runs the AMQP protocol on a socket whose first bytes were the AMQP header. */
  accept(socket: Socket): void {
    const connection = this.container.create_connection({
      // settlement is the broker's decision, taken after the message is durable
      autoaccept: false,
      // a `modified` outcome means abandon or defer, which rhea would otherwise fold into `released`
      treat_modified_as_released: false,
    } as never);
    // what rhea's own listen() does with each socket; accept() is missing from its typings
    (connection as unknown as { accept(socket: Socket): void }).accept(socket);
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
        this.guard(context, () => this.deliveries.onDisposition(context, outcome)),
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
    echoAttach(sender);
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
    const consumer = this.deliveries.openConsumer(sender, receiveAndDelete);
    this.roles.set(sender, { kind: "consumer", entity: resolved.entity, consumer });
    state.consumers.add(consumer);
    // a receiver only drains when told it is drained; see onSenderDraining
    drainOnlyWhenAnnounced(sender);
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
    announceDrained(sender);
  }

  // ---- messages ---------------------------------------------------------------------------

  private onMessage(context: EventContext): void {
    const receiver = context.receiver as Receiver;
    const role = this.roles.get(receiver);
    const delivery = context.delivery as Delivery;
    const state = this.stateOf(context.connection);
    switch (role?.kind) {
      case "ingress": {
        acceptTransfer(this.broker, role.entity, context, delivery, state.log);
        return;
      }
      case "cbs-requests": {
        delivery.accept();
        this.onPutToken(state, context.message as Message);
        return;
      }
      case "management-requests": {
        delivery.accept();
        const request = context.message as Message;
        void this.management
          .answer(role.entity, request, state.log)
          .then((response) => this.reply(state, request, response));
        return;
      }
      default:
        delivery.reject({ condition: "amqp:not-allowed", description: "this link does not accept messages" });
    }
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

  private reply(
    state: ConnectionState,
    request: Message,
    response: { application_properties: Record<string, unknown>; body?: unknown },
  ): void {
    const replyTo = request.reply_to;
    const sender = replyTo ? state.replyLinks.get(replyTo) : undefined;
    if (!sender?.is_open()) {
      state.log.warn({ replyTo }, "no link to reply on; response dropped");
      return;
    }
    sender.send({ ...response, correlation_id: request.message_id, to: replyTo } as Message);
  }
}
