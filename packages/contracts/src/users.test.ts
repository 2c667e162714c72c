import { describe, expect, it } from "vitest";
import { ZDevelopmentUserName } from "./users.ts";

describe("ZDevelopmentUserName", () => {
  it.each(["alice", "bob.smith", "carol_1", "dave@example.com", "e-f", "A".repeat(64)])(
    "accepts %s",
    (name) => {
      expect(ZDevelopmentUserName.parse(name)).toBe(name);
    },
  );

  it("trims surrounding spaces", () => {
    expect(ZDevelopmentUserName.parse("  alice ")).toBe("alice");
  });

  it.each([
    ["", "Enter a user name."],
    ["   ", "Enter a user name."],
    ["a".repeat(65), "Use at most 64 characters."],
    ["alice smith", "Use letters, digits and . _ @ - only."],
    ["<script>", "Use letters, digits and . _ @ - only."],
    ["élodie", "Use letters, digits and . _ @ - only."],
  ])("refuses %j: %s", (name, message) => {
    const result = ZDevelopmentUserName.safeParse(name);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(message);
  });
});
