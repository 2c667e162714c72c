import { describe, expect, it } from "vitest";
import { isDecodablePath } from "./undecodable-path.mjs";

describe("isDecodablePath", () => {
  it("accepts paths that are valid percent-encoding of UTF-8, whatever the query", () => {
    for (const target of ["/", "/reports/abc", "/reports/%20x%2F", "/docs?x=%FF", "/%C3%A9"]) {
      expect(isDecodablePath(target)).toBe(true);
    }
  });

  it("refuses a stray %, a cut sequence, bytes that are not UTF-8 and encoded surrogates", () => {
    for (const target of ["/reports/%", "/reports/%E0%A4%A", "/reports/%FF", "/api/trpc/%ED%A0%80", "/%C3"]) {
      expect(isDecodablePath(target)).toBe(false);
    }
  });
});
