import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { audienceToPath, isPathCovered, type SasCredentials, verifySasToken } from "../auth/sas.ts";
import type { Broker } from "../store/broker.ts";
import type { AtomContext } from "./atom.ts";

type Atom = typeof import("./atom.ts");
// loaded on the first request: the XML library costs tens of milliseconds at every start otherwise
let atomModule: Promise<Atom> | undefined;
const loadAtom = (): Promise<Atom> => {
  atomModule ??= import("./atom.ts");
  return atomModule;
};

/** POST `?queue=<name>&count=<n>`: fault injection, answered with `{ queue, redelivered }` in JSON. */
export const REDELIVER_COMPLETED_PATH = "$emulator/redeliver-completed";
const JSON_CONTENT_TYPE = "application/json;charset=utf-8";

/** The page size Service Bus uses when a list request names none. */
const DEFAULT_PAGE_SIZE = 100;

export interface AdminApiOptions {
  broker: Broker;
  credentials: SasCredentials;
  log: Logger;
  startedAt: number;
}

/**
 * The read side of Service Bus's ATOM/XML administration API, what `ServiceBusAdministrationClient`
 * calls: `getNamespaceProperties`, `getQueue`, `getQueueRuntimeProperties`, `queueExists`,
 * `listQueues` and `listQueuesRuntimeProperties` (`getQueues*` and topic lists, which are empty).
 * Every request must carry a SAS token for its URL, as Service Bus requires. Entities are declared
 * by flags or the config file, so creating, updating and deleting them is refused.
 */
export function createAdminApi(
  options: AdminApiOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { broker, credentials, log, startedAt } = options;
  return (req, res) => {
    loadAtom().then(
      (atom) => answer(atom, req, res),
      (err: unknown) => {
        log.error({ err }, "could not load the administration API");
        res.destroy();
      },
    );
  };

  function answer(atom: Atom, req: IncomingMessage, res: ServerResponse): void {
    const { ENTRY_CONTENT_TYPE, ERROR_CONTENT_TYPE, FEED_CONTENT_TYPE } = atom;
    const send = (status: number, contentType: string, body: string) => {
      res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
      res.end(body);
    };
    const fail = (status: number, detail: string, headers: Record<string, string> = {}) => {
      log.info({ method: req.method, url: req.url, status }, detail);
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      send(status, ERROR_CONTENT_TYPE, atom.errorDocument(status, detail));
    };
    try {
      const scheme = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
      const url = new URL(req.url ?? "/", `${scheme}://${req.headers.host ?? "localhost"}`);
      const path = decodePath(url.pathname);
      if (path === undefined) {
        fail(400, `The path '${url.pathname}' is not validly percent-encoded.`);
        return;
      }

      const token = verifySasToken(req.headers.authorization, credentials);
      if (!token.ok) {
        fail(401, `InvalidSignature: ${token.reason}. Sign the request with the namespace's SAS key.`);
        return;
      }
      if (!isPathCovered(audienceToPath(token.audience), path)) {
        fail(401, `InvalidSignature: the token is for '${token.audience}', not '/${path}'.`);
        return;
      }
      if (path.toLowerCase() === REDELIVER_COMPLETED_PATH) {
        redeliverCompleted(url.searchParams);
        return;
      }
      if (req.method !== "GET") {
        fail(
          405,
          `${req.method} is not supported by this emulator: entities are declared with --queue or the config file, and the administration API only reads them.`,
          { allow: "GET" },
        );
        return;
      }
      const context: AtomContext = { baseUrl: url.origin, namespace: url.hostname, now: Date.now() };
      const lower = path.toLowerCase();
      if (lower === "$namespaceinfo") {
        send(200, ENTRY_CONTENT_TYPE, atom.namespaceDocument(context, startedAt));
        return;
      }
      if (lower === "$resources/queues" || lower === "$resources/topics") {
        const skip = readCount(url.searchParams.get("$skip"), 0);
        const top = readCount(url.searchParams.get("$top"), DEFAULT_PAGE_SIZE);
        if (skip === undefined || top === undefined || top === 0) {
          fail(400, "$skip and $top must be non-negative integers, and $top at least 1.");
          return;
        }
        // topics are not supported, so their list is empty
        const queues = lower === "$resources/queues" ? broker.queues() : [];
        const page = queues.slice(skip, skip + top);
        const entries = page.map((queue) => ({
          options: queue.options,
          runtime: broker.runtimeProperties(queue),
        }));
        const next = skip + top < queues.length ? { skip: skip + top, top } : undefined;
        const title = lower === "$resources/queues" ? "Queues" : "Topics";
        send(200, FEED_CONTENT_TYPE, atom.feedDocument(context, path, title, entries, next));
        return;
      }
      if (/\/subscriptions(\/|$)/i.test(path)) {
        fail(404, `Topics and subscriptions are not supported by this emulator ('${path}'); use a queue.`);
        return;
      }
      const queue = broker.getEntity(path);
      if (!queue || queue.isDeadLetter) {
        fail(
          404,
          `The messaging entity '${path}' could not be found. Declare it with --queue or in the config file.`,
        );
        return;
      }
      send(
        200,
        ENTRY_CONTENT_TYPE,
        atom.queueEntryDocument(context, queue.options, broker.runtimeProperties(queue)),
      );
    } catch (err) {
      log.error({ err, method: req.method, url: req.url }, "administration request failed");
      if (!res.headersSent) fail(500, "The emulator failed to answer this request; see its log.");
      else res.destroy();
    }

    /** The emulator's own fault-injection control (see `RunningEmulator.faults`), not Service Bus's. */
    function redeliverCompleted(query: URLSearchParams): void {
      if (req.method !== "POST") {
        fail(405, `Use POST for /${REDELIVER_COMPLETED_PATH}.`, { allow: "POST" });
        return;
      }
      const name = query.get("queue") ?? "";
      const queue = broker.getEntity(name);
      const count = readCount(query.get("count"), 1);
      if (!queue || queue.isDeadLetter) {
        fail(404, `The query parameter queue names no declared queue ('${name}').`);
        return;
      }
      if (count === undefined) {
        fail(400, "count must be a non-negative integer.");
        return;
      }
      broker.redeliverCompleted(queue, count).then(
        (redelivered) => send(200, JSON_CONTENT_TYPE, JSON.stringify({ queue: queue.path, redelivered })),
        (err: unknown) => fail(503, `Could not store the copies: ${String(err)}`),
      );
    }
  }
}

function decodePath(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname).replace(/^\/+|\/+$/g, "");
  } catch {
    return undefined;
  }
}

function readCount(value: string | null, fallback: number): number | undefined {
  if (value === null) return fallback;
  const count = Number(value);
  return Number.isInteger(count) && count >= 0 ? count : undefined;
}
