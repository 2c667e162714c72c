import { describe, expect, it } from "vitest";
import { toServiceBusMessage } from "./relay-outbox-batch.ts";

describe("toServiceBusMessage", () => {
  it("maps the row id, report id, type and traceparent onto the message", () => {
    const message = toServiceBusMessage({
      id: "row-1",
      type: "reports.export-requested.v1",
      payload: { reportId: "r-1" },
      correlation_id: "r-1",
      traceparent: "00-abc-def-01",
    });
    expect(message).toEqual({
      messageId: "row-1",
      correlationId: "r-1",
      subject: "reports.export-requested.v1",
      contentType: "application/json",
      body: { reportId: "r-1" },
      applicationProperties: { type: "reports.export-requested.v1", traceparent: "00-abc-def-01" },
    });
  });

  it("omits a missing traceparent", () => {
    const message = toServiceBusMessage({
      id: "a",
      type: "t",
      payload: {},
      correlation_id: "c",
      traceparent: null,
    });
    expect(message.applicationProperties).toEqual({ type: "t" });
  });
});
