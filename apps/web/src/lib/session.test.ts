import { describe, expect, it } from "vitest";
import { readSessionToken, SESSION_COOKIE, serializeSessionCookie } from "./session.ts";

const PRODUCTION = { acceptInsecure: false };
const DEVELOPMENT = { acceptInsecure: true };

describe("session cookie", () => {
  it("reads the session token among other cookies", () => {
    expect(readSessionToken(`theme=dark; __Host-reports_session=abc.def.ghi; x=1`, PRODUCTION)).toBe(
      "abc.def.ghi",
    );
    expect(readSessionToken(`theme=dark; ${SESSION_COOKIE}=abc.def.ghi; x=1`, DEVELOPMENT)).toBe(
      "abc.def.ghi",
    );
  });

  it("answers null without the cookie", () => {
    expect(readSessionToken("theme=dark", DEVELOPMENT)).toBeNull();
    expect(readSessionToken(null, DEVELOPMENT)).toBeNull();
  });

  it("is httpOnly and SameSite=Lax, Secure when asked, and clears with Max-Age=0", () => {
    const set = serializeSessionCookie("t", { secure: true });
    expect(set).toContain("HttpOnly");
    expect(set).toContain("SameSite=Lax");
    expect(set).toContain("Secure");
    expect(serializeSessionCookie(null, { secure: false })).toMatch(/Max-Age=0/);
  });

  it("is __Host- prefixed (Path=/, no Domain) when Secure, and bare over plain http", () => {
    const secure = serializeSessionCookie("t", { secure: true });
    expect(secure).toMatch(/^__Host-reports_session=t;/);
    expect(secure).toContain("Path=/");
    expect(secure).not.toMatch(/Domain=/i);
    expect(serializeSessionCookie("t", { secure: false })).toMatch(/^reports_session=t;/);
    expect(serializeSessionCookie(null, { secure: true })).toMatch(/^__Host-reports_session=;.*Max-Age=0/);
  });

  it("ignores a bare session cookie outside development: another site could have planted it", () => {
    expect(readSessionToken(`${SESSION_COOKIE}=planted`, PRODUCTION)).toBeNull();
    // The __Host- cookie wins wherever both are present.
    expect(readSessionToken(`${SESSION_COOKIE}=planted; __Host-reports_session=mine`, DEVELOPMENT)).toBe(
      "mine",
    );
  });
});
