import { XMLBuilder } from "fast-xml-parser";
import { formatDuration } from "../config.ts";
import type { ResolvedQueueOptions } from "../options.ts";
import type { QueueRuntime } from "../store/model.ts";

/** The API version the SDK sends (`api-version=2021-05`) and that entity ids carry back. */
export const API_VERSION = "2021-05";

const ATOM_NS = "http://www.w3.org/2005/Atom";
const CONNECT_NS = "http://schemas.microsoft.com/netservices/2010/10/servicebus/connect";
const INSTANCE_NS = "http://www.w3.org/2001/XMLSchema-instance";
const COUNT_DETAILS_NS = "http://schemas.microsoft.com/netservices/2011/06/servicebus";
/** .NET's TimeSpan.MaxValue: what Service Bus reports for "no limit". */
const UNLIMITED = "P10675199DT2H48M5.4775807S";
/** .NET's DateTime.MinValue: what Service Bus reports for "never". */
const NEVER = "0001-01-01T00:00:00Z";

export const ENTRY_CONTENT_TYPE = "application/atom+xml;type=entry;charset=utf-8";
export const FEED_CONTENT_TYPE = "application/atom+xml;type=feed;charset=utf-8";
export const ERROR_CONTENT_TYPE = "application/xml;charset=utf-8";

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_" });

type XmlNode = Record<string, unknown>;

function document(root: XmlNode): string {
  return `<?xml version="1.0" encoding="utf-8"?>${builder.build(root)}`;
}

/** Where a response's entity ids point: `https://<host>` as the client addressed the emulator. */
export interface AtomContext {
  baseUrl: string;
  /** The namespace name the feed's author carries (the host the client used). */
  namespace: string;
  now: number;
}

function selfUrl(context: AtomContext, path: string, query = ""): string {
  return `${context.baseUrl}/${path}?api-version=${API_VERSION}${query}`;
}

/** An Atom entry as Service Bus writes one: the SDK takes the entity's name from the id's path. */
function entry(
  context: AtomContext,
  path: string,
  title: string,
  updated: number,
  content: XmlNode,
): XmlNode {
  const url = selfUrl(context, path);
  return {
    id: url,
    title: { "@_type": "text", "#text": title },
    published: new Date(updated).toISOString(),
    updated: new Date(updated).toISOString(),
    author: { name: context.namespace },
    link: { "@_rel": "self", "@_href": url },
    content: { "@_type": "application/xml", ...content },
  };
}

function queueDescription(options: ResolvedQueueOptions, runtime: QueueRuntime): XmlNode {
  const ttl = options.defaultMessageTimeToLiveMs;
  return {
    QueueDescription: {
      "@_xmlns": CONNECT_NS,
      "@_xmlns:i": INSTANCE_NS,
      LockDuration: formatDuration(options.lockDurationMs),
      MaxSizeInMegabytes: 1024,
      RequiresDuplicateDetection: options.requiresDuplicateDetection,
      RequiresSession: false,
      DefaultMessageTimeToLive: ttl === undefined ? UNLIMITED : formatDuration(ttl),
      DeadLetteringOnMessageExpiration: options.deadLetteringOnMessageExpiration,
      DuplicateDetectionHistoryTimeWindow: formatDuration(options.duplicateDetectionHistoryTimeWindowMs),
      MaxDeliveryCount: options.maxDeliveryCount,
      EnableBatchedOperations: true,
      SizeInBytes: runtime.sizeInBytes,
      MessageCount: runtime.totalMessageCount,
      IsAnonymousAccessible: false,
      Status: "Active",
      CreatedAt: new Date(runtime.createdAt).toISOString(),
      UpdatedAt: new Date(runtime.createdAt).toISOString(),
      AccessedAt: runtime.accessedAt === undefined ? NEVER : new Date(runtime.accessedAt).toISOString(),
      SupportOrdering: true,
      CountDetails: {
        "@_xmlns:d2p1": COUNT_DETAILS_NS,
        "d2p1:ActiveMessageCount": runtime.activeMessageCount,
        "d2p1:DeadLetterMessageCount": runtime.deadLetterMessageCount,
        "d2p1:ScheduledMessageCount": runtime.scheduledMessageCount,
        "d2p1:TransferMessageCount": 0,
        "d2p1:TransferDeadLetterMessageCount": 0,
      },
      AutoDeleteOnIdle: UNLIMITED,
      EnablePartitioning: false,
      EntityAvailabilityStatus: "Available",
      EnableExpress: false,
      MaxMessageSizeInKilobytes: Math.floor(options.maxMessageSizeInBytes / 1024),
    },
  };
}

/** A queue with its properties and runtime numbers (`getQueue`, `getQueueRuntimeProperties`). */
export function queueEntryDocument(
  context: AtomContext,
  options: ResolvedQueueOptions,
  runtime: QueueRuntime,
): string {
  return document({
    entry: {
      "@_xmlns": ATOM_NS,
      ...entry(context, options.name, options.name, runtime.createdAt, queueDescription(options, runtime)),
    },
  });
}

/** One page of a list (`$Resources/Queues`, `$Resources/Topics`); `next` is the next page's `$skip`. */
export function feedDocument(
  context: AtomContext,
  path: string,
  title: string,
  entries: Array<{ options: ResolvedQueueOptions; runtime: QueueRuntime }>,
  next?: { skip: number; top: number },
): string {
  const url = selfUrl(context, path);
  // two link elements, so that the SDK's XML parser hands it an array: it only looks for "next" in one
  const links: XmlNode[] = [{ "@_rel": "self", "@_href": url }];
  if (next) {
    links.push({ "@_rel": "next", "@_href": selfUrl(context, path, `&$skip=${next.skip}&$top=${next.top}`) });
  }
  return document({
    feed: {
      "@_xmlns": ATOM_NS,
      title: { "@_type": "text", "#text": title },
      id: url,
      updated: new Date(context.now).toISOString(),
      link: links,
      entry: entries.map(({ options, runtime }) =>
        entry(context, options.name, options.name, runtime.createdAt, queueDescription(options, runtime)),
      ),
    },
  });
}

/** The namespace (`getNamespaceProperties`). */
export function namespaceDocument(context: AtomContext, createdAt: number): string {
  const created = new Date(createdAt).toISOString();
  return document({
    entry: {
      "@_xmlns": ATOM_NS,
      ...entry(context, "$namespaceinfo", context.namespace, createdAt, {
        NamespaceInfo: {
          "@_xmlns": CONNECT_NS,
          "@_xmlns:i": INSTANCE_NS,
          CreatedTime: created,
          MessagingSKU: "Standard",
          ModifiedTime: created,
          Name: context.namespace,
          NamespaceType: "Messaging",
        },
      }),
    },
  });
}

/** An error body; the SDK takes the message from `Detail` and the error code from the HTTP status. */
export function errorDocument(status: number, detail: string): string {
  return document({ Error: { Code: status, Detail: detail } });
}
