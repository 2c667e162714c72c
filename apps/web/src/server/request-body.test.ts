import { describe, expect, it } from "vitest";
import { type BodyLimitErrors, readLimitedBody } from "./request-body.ts";

class TooLarge extends Error {}
class Truncated extends Error {}
const errors: BodyLimitErrors = { tooLarge: () => new TooLarge(), truncated: () => new Truncated() };

/** A body that hands out `chunks` one by one and counts how many were pulled. */
function countingBody(chunks: Uint8Array[]) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[pulled++];
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    },
    // No read-ahead of its own: every pull is one the reader asked for.
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

function post(body: BodyInit | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) {
  return new Request("http://localhost/x", { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

describe("readLimitedBody", () => {
  it("reads a body up to the limit", async () => {
    expect(new TextDecoder().decode(await readLimitedBody(post("x".repeat(100)), errors, 100))).toBe(
      "x".repeat(100),
    );
    expect(await readLimitedBody(new Request("http://localhost/x"), errors, 100)).toHaveLength(0);
  });

  it("refuses a declared length over the limit without reading any of the body", async () => {
    const { stream, pulled } = countingBody([new Uint8Array(10)]);
    await expect(
      readLimitedBody(post(stream, { "content-length": "101" }), errors, 100),
    ).rejects.toBeInstanceOf(TooLarge);
    expect(pulled()).toBe(0);
  });

  it("stops reading a body without a length as soon as it passes the limit", async () => {
    const chunk = new Uint8Array(40);
    const { stream, pulled } = countingBody(Array.from({ length: 1_000 }, () => chunk));
    await expect(readLimitedBody(post(stream), errors, 100)).rejects.toBeInstanceOf(TooLarge);
    // Three chunks pass the limit; a few more may be buffered ahead, never the 1,000.
    expect(pulled()).toBeLessThan(10);
  });

  it("refuses a body that ends before its declared length (a cut-short upload)", async () => {
    const { stream } = countingBody([new TextEncoder().encode('{"genre":"Jazz"}')]);
    await expect(
      readLimitedBody(post(stream, { "content-length": "40" }), errors, 100),
    ).rejects.toBeInstanceOf(Truncated);
  });
});
