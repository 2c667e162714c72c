import { describe, expect, it } from "vitest";
import {
  amqpTypes,
  composeMessage,
  decodeMessage,
  encodeMessage,
  lockTokenFromDotNetBytes,
  lockTokenToDotNetBytes,
  lockTokenToRfcBytes,
  type MapEntryValue,
  readHeaderFields,
  rewriteApplicationProperties,
  rhea,
  setMessageId,
  splitBatch,
  splitSections,
} from "./codec.ts";

describe("lock token byte order", () => {
  it("swaps the first three GUID groups for .NET order and back", () => {
    const token = "00112233-4455-6677-8899-aabbccddeeff";
    expect(lockTokenToRfcBytes(token).toString("hex")).toBe("00112233445566778899aabbccddeeff");
    expect(lockTokenToDotNetBytes(token).toString("hex")).toBe("33221100554477668899aabbccddeeff");
    expect(lockTokenFromDotNetBytes(lockTokenToDotNetBytes(token))).toBe(token);
  });
});

describe("message sections", () => {
  const original = encodeMessage({
    message_id: "m-1",
    ttl: 5000,
    message_annotations: { "x-opt-partition-key": "p" },
    application_properties: { big: amqpTypes.wrap_long(7), name: "n" },
    body: { hello: "world" },
  });

  it("recomposes a stored message with a new header and annotations, keeping the rest byte for byte", () => {
    const sections = splitSections(original);
    const decoded = decodeMessage(original);
    const annotations = new Map<string, MapEntryValue>([["x-opt-sequence-number", amqpTypes.wrap_long(42)]]);
    const out = composeMessage({ ...sections, header: readHeaderFields(decoded) }, 3, annotations);
    const message = decodeMessage(out);
    expect(message.delivery_count).toBe(3);
    expect(message.ttl).toBe(5000);
    expect(message.message_annotations).toEqual({ "x-opt-partition-key": "p", "x-opt-sequence-number": 42 });
    expect(message.message_id).toBe("m-1");
    expect(message.body).toEqual({ hello: "world" });
    expect(out.subarray(out.length - sections.body.length)).toEqual(sections.body);
  });

  it("rewrites application properties without changing the types of untouched entries", () => {
    const sections = splitSections(original);
    const rewritten = rewriteApplicationProperties(sections.applicationProperties, {
      name: "m",
      added: true,
    });
    const reader = new amqpTypes.Reader(rewritten!);
    const items = reader.read().value as Array<{ type: { name: string }; value: unknown }>;
    expect(items.map((item) => [item.value, item.type.name])).toEqual([
      ["big", "Str8"],
      [7, "SmallLong"],
      ["name", "Str8"],
      ["m", "Str8"],
      ["added", "Str8"],
      [true, "True"],
    ]);
  });

  it("sets a message id on a message that has none", () => {
    const withoutId = splitSections(encodeMessage({ subject: "s", body: "b" }));
    const properties = setMessageId(withoutId.properties, "assigned");
    const decoded = decodeMessage(Buffer.concat([properties, withoutId.body]));
    expect(decoded.message_id).toBe("assigned");
    expect(decoded.subject).toBe("s");
  });

  it("unpacks the messages of a batch envelope, one per data section", () => {
    const first = encodeMessage({ body: "one" });
    const second = encodeMessage({ body: "two" });
    // the SDK's batch: an envelope whose body is one data section per encoded message
    const envelope = encodeMessage({
      message_id: "envelope",
      body: rhea.message.data_sections([first, second]),
    });
    expect(splitBatch(envelope).map((raw) => decodeMessage(raw).body)).toEqual(["one", "two"]);
  });
});
