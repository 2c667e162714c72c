import { createRequire } from "node:module";
import type * as Rhea from "rhea";

// rhea is CommonJS and exports a container instance (`module.exports = new Container()`), which
// Node's ESM named-export detection cannot see through, so it is loaded with require.
const require = createRequire(import.meta.url);
export const rhea: typeof Rhea = require("rhea");

/** A value as rhea's AMQP reader returns it: a typed value, optionally described. */
export interface TypedValue {
  type: { typecode: number; name: string };
  value: unknown;
  descriptor?: TypedValue;
}

interface RheaTypes {
  Reader: new (buffer: Buffer) => { read(): TypedValue; remaining(): number; position: number };
  Writer: new () => { write(value: unknown): void; toBuffer(): Buffer };
  Map32(items: unknown[]): TypedValue;
  described(descriptor: unknown, value: unknown): TypedValue;
  wrap(value: unknown): TypedValue;
  wrap_ulong(value: number): TypedValue;
  wrap_long(value: number | Buffer): TypedValue;
  wrap_int(value: number): TypedValue;
  wrap_uint(value: number): TypedValue;
  wrap_timestamp(value: number): TypedValue;
  wrap_uuid(value: Buffer): TypedValue;
  wrap_binary(value: Buffer): TypedValue;
  wrap_string(value: string): TypedValue;
  wrap_symbol(value: string): TypedValue;
  wrap_list(value: unknown[]): TypedValue;
  wrap_map(value: Record<string, unknown>, keyWrapper?: (key: string) => TypedValue): TypedValue;
}

interface RheaMessageModule {
  decode(buffer: Buffer): Rhea.Message;
  encode(message: unknown): Buffer;
  header(fields: Record<string, unknown>): { described(): TypedValue };
  accepted(): { described(): TypedValue };
  rejected(fields: { error: unknown }): { described(): TypedValue };
  modified(fields: Record<string, unknown>): { described(): TypedValue };
}

export const amqpTypes = rhea.types as unknown as RheaTypes;
const messageModule = rhea.message as unknown as RheaMessageModule;

/** Message format of the Service Bus batch envelope: one data section per encoded message. */
export const BATCH_MESSAGE_FORMAT = 0x80013700;

const RAW_BYTES = Symbol.for("servicebus-emulator.raw-bytes");

// rhea decodes format-0 transfers and drops the bytes; the broker must store what the client encoded
// (re-encoding a decoded message loses AMQP types such as long vs int), so decode keeps them.
// The patch only adds a non-enumerable symbol property, so other rhea users in the process are unaffected.
const patchedFlag = Symbol.for("servicebus-emulator.decode-patched");
const patchable = messageModule as unknown as Record<symbol, boolean> & RheaMessageModule;
if (!patchable[patchedFlag]) {
  const originalDecode = messageModule.decode;
  patchable.decode = (buffer: Buffer) => {
    const decoded = originalDecode(buffer);
    Object.defineProperty(decoded, RAW_BYTES, { value: buffer, enumerable: false });
    return decoded;
  };
  patchable[patchedFlag] = true;
}

/** The bytes a decoded rhea message was read from, if rhea decoded it during a transfer. */
export function getRawBytes(message: Rhea.Message): Buffer | undefined {
  return (message as unknown as Record<symbol, Buffer | undefined>)[RAW_BYTES];
}

export function decodeMessage(raw: Buffer): Rhea.Message {
  return messageModule.decode(raw);
}

export function encodeMessage(message: unknown): Buffer {
  return messageModule.encode(message);
}

const SECTION_CODES: Record<string, number> = {
  "amqp:header:list": 0x70,
  "amqp:delivery-annotations:map": 0x71,
  "amqp:message-annotations:map": 0x72,
  "amqp:properties:list": 0x73,
  "amqp:application-properties:map": 0x74,
  "amqp:data:binary": 0x75,
  "amqp:amqp-sequence:list": 0x76,
  "amqp:value:*": 0x77,
  "amqp:footer:map": 0x78,
};

/** Raw encoded sections of one AMQP message, kept byte for byte. */
export interface RawSections {
  header?: Buffer;
  messageAnnotations?: Buffer;
  properties?: Buffer;
  applicationProperties?: Buffer;
  /** Body sections and footer, concatenated in their original order. */
  body: Buffer;
}

interface SectionSlice {
  code: number;
  bytes: Buffer;
  value: TypedValue;
}

function readSections(raw: Buffer): SectionSlice[] {
  const reader = new amqpTypes.Reader(raw);
  const sections: SectionSlice[] = [];
  while (reader.remaining() > 0) {
    const start = reader.position;
    const value = reader.read();
    const descriptor = value.descriptor?.value;
    const code = typeof descriptor === "string" ? SECTION_CODES[descriptor] : Number(descriptor);
    if (code === undefined || Number.isNaN(code)) {
      throw new Error(`unrecognised message section descriptor ${String(descriptor)}`);
    }
    sections.push({ code, bytes: raw.subarray(start, reader.position), value });
  }
  return sections;
}

export function splitSections(raw: Buffer): RawSections {
  const result: RawSections = { body: Buffer.alloc(0) };
  const body: Buffer[] = [];
  for (const section of readSections(raw)) {
    switch (section.code) {
      case 0x70:
        result.header = Buffer.from(section.bytes);
        break;
      case 0x71:
        // delivery annotations are hop-by-hop and are not forwarded
        break;
      case 0x72:
        result.messageAnnotations = Buffer.from(section.bytes);
        break;
      case 0x73:
        result.properties = Buffer.from(section.bytes);
        break;
      case 0x74:
        result.applicationProperties = Buffer.from(section.bytes);
        break;
      default:
        body.push(section.bytes);
    }
  }
  result.body = Buffer.from(Buffer.concat(body));
  return result;
}

/** The encoded messages inside a batch envelope (format 0x80013700): one per data section. */
export function splitBatch(raw: Buffer): Buffer[] {
  return readSections(raw)
    .filter((section) => section.code === 0x75)
    .map((section) => Buffer.from(section.value.value as Buffer));
}

/** Header fields a broker keeps from the sender; delivery_count is always the broker's own. */
export interface HeaderFields {
  durable?: boolean;
  priority?: number;
  ttl?: number;
}

export function readHeaderFields(message: Rhea.Message): HeaderFields {
  const fields: HeaderFields = {};
  if (message.durable !== undefined) fields.durable = message.durable;
  if (message.priority !== undefined) fields.priority = message.priority;
  if (message.ttl !== undefined) fields.ttl = message.ttl;
  return fields;
}

/** An annotation or property value the broker writes; `typed` values are written as given. */
export type MapEntryValue = TypedValue | string | number | boolean | Date | Buffer | null;

function rewriteMap(
  original: Buffer | undefined,
  sectionCode: number,
  overrides: Map<string, MapEntryValue>,
  wrapKey: (key: string) => TypedValue,
): Buffer | undefined {
  let entries: unknown[] = [];
  if (original) {
    const section = new amqpTypes.Reader(original).read();
    const items = (section.value as TypedValue[]) ?? [];
    for (let i = 0; i + 1 < items.length; i += 2) {
      const key = items[i] as TypedValue;
      if (!overrides.has(String(key.value))) entries.push(key, items[i + 1]);
    }
  }
  if (overrides.size === 0 && original) return original;
  for (const [key, value] of overrides) {
    entries.push(wrapKey(key), isTyped(value) ? value : amqpTypes.wrap(value));
  }
  if (entries.length === 0) return undefined;
  const writer = new amqpTypes.Writer();
  writer.write(amqpTypes.described(amqpTypes.wrap_ulong(sectionCode), amqpTypes.Map32(entries)));
  entries = [];
  return writer.toBuffer();
}

function isTyped(value: unknown): value is TypedValue {
  return typeof value === "object" && value !== null && "type" in value && "value" in value;
}

/** Application properties with some keys replaced or added, keeping every other entry's type. */
export function rewriteApplicationProperties(
  original: Buffer | undefined,
  overrides: Record<string, unknown>,
): Buffer | undefined {
  const map = new Map<string, MapEntryValue>();
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    map.set(key, value as MapEntryValue);
  }
  return rewriteMap(original, 0x74, map, (key) => amqpTypes.wrap_string(key));
}

/** Composes a message to deliver: a fresh header and annotations around the stored bare message. */
export function composeMessage(
  stored: {
    header: HeaderFields;
    messageAnnotations?: Buffer;
    properties?: Buffer;
    applicationProperties?: Buffer;
    body: Buffer;
  },
  deliveryCount: number,
  annotations: Map<string, MapEntryValue>,
): Buffer {
  const headerFields: Record<string, unknown> = { delivery_count: deliveryCount };
  if (stored.header.durable !== undefined) headerFields.durable = stored.header.durable;
  if (stored.header.priority !== undefined) headerFields.priority = stored.header.priority;
  if (stored.header.ttl !== undefined) headerFields.ttl = stored.header.ttl;
  const writer = new amqpTypes.Writer();
  writer.write(messageModule.header(headerFields).described());
  const head = writer.toBuffer();
  const annotationBytes = rewriteMap(stored.messageAnnotations, 0x72, annotations, (key) =>
    amqpTypes.wrap_symbol(key),
  );
  const parts = [head];
  if (annotationBytes) parts.push(annotationBytes);
  if (stored.properties) parts.push(stored.properties);
  if (stored.applicationProperties) parts.push(stored.applicationProperties);
  parts.push(stored.body);
  return Buffer.concat(parts);
}

/** The properties section with its message-id field set, every other field kept as encoded. */
export function setMessageId(properties: Buffer | undefined, messageId: string): Buffer {
  let fields: unknown[] = [];
  if (properties) fields = [...((new amqpTypes.Reader(properties).read().value as unknown[]) ?? [])];
  fields[0] = amqpTypes.wrap_string(messageId);
  const writer = new amqpTypes.Writer();
  writer.write(amqpTypes.described(amqpTypes.wrap_ulong(0x73), amqpTypes.wrap_list(fields)));
  return writer.toBuffer();
}

/** A message id as a dedup key: strings as they are, other AMQP id types by their printed form. */
export function messageIdToString(id: unknown): string | undefined {
  if (id === undefined || id === null) return undefined;
  if (typeof id === "string") return id;
  if (Buffer.isBuffer(id)) return id.toString("hex");
  return String(id);
}

// Lock tokens are GUIDs. On the wire the delivery tag carries them in .NET Guid.ToByteArray() order
// (first three groups little-endian) while $management carries RFC 4122 order.
export function lockTokenToRfcBytes(token: string): Buffer {
  return Buffer.from(token.replace(/-/g, ""), "hex");
}

export function lockTokenFromRfcBytes(bytes: Buffer): string {
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function lockTokenToDotNetBytes(token: string): Buffer {
  return swapGuidByteOrder(lockTokenToRfcBytes(token));
}

export function lockTokenFromDotNetBytes(bytes: Buffer): string {
  return lockTokenFromRfcBytes(swapGuidByteOrder(bytes));
}

function swapGuidByteOrder(bytes: Buffer): Buffer {
  const b = bytes;
  return Buffer.from([
    b[3] ?? 0,
    b[2] ?? 0,
    b[1] ?? 0,
    b[0] ?? 0,
    b[5] ?? 0,
    b[4] ?? 0,
    b[7] ?? 0,
    b[6] ?? 0,
    ...b.subarray(8, 16),
  ]);
}

/** A long as rhea decodes it (number, or an 8-byte big-endian buffer when beyond 2^53). */
export function longToNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE(0));
  if (typeof value === "bigint") return Number(value);
  throw new Error(`not a long: ${String(value)}`);
}

export function acceptedOutcome(): TypedValue {
  return messageModule.accepted().described();
}

export function rejectedOutcome(condition: string, description: string): TypedValue {
  return messageModule.rejected({ error: { condition, description } }).described();
}

/** `modified`: abandon (`undeliverableHere` false) or defer (true), as the SDK expresses them. */
export function modifiedOutcome(undeliverableHere: boolean): TypedValue {
  return messageModule.modified({ undeliverable_here: undeliverableHere }).described();
}

export function rejectedOutcomeWithoutError(): TypedValue {
  return messageModule.rejected({ error: undefined }).described();
}

/** The outcome object a disposition carried, echoed back when settling. */
export function describeOutcome(outcome: unknown): TypedValue | undefined {
  const candidate = outcome as { described?: () => TypedValue } | undefined;
  return typeof candidate?.described === "function" ? candidate.described() : undefined;
}
