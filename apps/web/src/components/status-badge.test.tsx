import { REPORT_STATUSES } from "@reports/contracts";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { StatusBadge } from "./status-badge.tsx";

describe("StatusBadge", () => {
  it.each(REPORT_STATUSES)("says %s, the API's word for the status", (status) => {
    const html = renderToStaticMarkup(<StatusBadge status={status} />);
    expect(html.replace(/<[^>]+>/g, "")).toBe(status);
  });
});
