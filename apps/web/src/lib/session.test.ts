import { describe, expect, it } from "vitest";
import { readSessionToken, SESSION_COOKIE, serializeSessionCookie } from "./session.ts";

describe("session cookie", () => {
  it("reads the session token among other cookies", () => {
    expect(readSessionToken(`theme=dark; ${SESSION_COOKIE}=abc.def.ghi; x=1`)).toBe("abc.def.ghi");
  });

  it("answers null without the cookie", () => {
    expect(readSessionToken("theme=dark")).toBeNull();
    expect(readSessionToken(null)).toBeNull();
  });

  it("is httpOnly and SameSite=Lax, Secure when asked, and clears with Max-Age=0", () => {
    const set = serializeSessionCookie("t", { secure: true });
    expect(set).toContain("HttpOnly");
    expect(set).toContain("SameSite=Lax");
    expect(set).toContain("Secure");
    expect(serializeSessionCookie(null, { secure: false })).toMatch(/Max-Age=0/);
  });
});
