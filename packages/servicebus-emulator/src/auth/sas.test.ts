import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { audienceToPath, isPathCovered, signSasToken, verifySasToken } from "./sas.ts";

const credentials = { keyName: "RootManageSharedAccessKey", key: "SAS_KEY_VALUE" };

/** Signs a token exactly as @azure/core-amqp's createToken does. */
function signToken(audience: string, key: string, keyName: string, expiry: number): string {
  const sr = encodeURIComponent(audience);
  const sig = encodeURIComponent(createHmac("sha256", key).update(`${sr}\n${expiry}`).digest("base64"));
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${expiry}&skn=${encodeURIComponent(keyName)}`;
}

describe("verifySasToken", () => {
  const audience = "sb://127.0.0.1:5672/report-requests";
  const expiry = Math.floor(Date.now() / 1000) + 3600;

  it("accepts a token signed with the configured key", () => {
    const check = verifySasToken(
      signToken(audience, credentials.key, credentials.keyName, expiry),
      credentials,
    );
    expect(check).toEqual({ ok: true, audience, expiresAt: expiry * 1000 });
  });

  it("rejects a token signed with another key", () => {
    const check = verifySasToken(signToken(audience, "wrong", credentials.keyName, expiry), credentials);
    expect(check).toEqual({ ok: false, reason: "invalid signature" });
  });

  it("accepts the administration client's token, whose encoded URL is lower-cased before signing", () => {
    // as @azure/service-bus's SasServiceClientCredentials.signRequest builds it
    const url = "https://127.0.0.1:5672/Report-Requests?api-version=2021-05";
    const sr = encodeURIComponent(url.toLowerCase()).toLowerCase();
    const sig = encodeURIComponent(
      createHmac("sha256", credentials.key).update(`${sr}\n${expiry}`).digest("base64"),
    );
    const check = verifySasToken(
      `SharedAccessSignature sig=${sig}&se=${expiry}&skn=${credentials.keyName}&sr=${sr}`,
      credentials,
    );
    expect(check).toEqual({ ok: true, audience: url.toLowerCase(), expiresAt: expiry * 1000 });
    expect(check.ok && audienceToPath(check.audience)).toBe("report-requests");
  });

  it("signs tokens as @azure/core-amqp does, for clients of the emulator's own endpoints", () => {
    expect(signSasToken(audience, credentials, expiry * 1000)).toBe(
      signToken(audience, credentials.key, credentials.keyName, expiry),
    );
  });

  it("rejects an unknown key name, an expired token and garbage", () => {
    expect(verifySasToken(signToken(audience, credentials.key, "Other", expiry), credentials).ok).toBe(false);
    const past = Math.floor(Date.now() / 1000) - 1;
    expect(
      verifySasToken(signToken(audience, credentials.key, credentials.keyName, past), credentials),
    ).toEqual({
      ok: false,
      reason: "token expired",
    });
    expect(verifySasToken("Bearer abc", credentials).ok).toBe(false);
    expect(verifySasToken(undefined, credentials).ok).toBe(false);
  });
});

describe("audience paths", () => {
  it("extracts the entity path and lets a parent path cover its children", () => {
    expect(audienceToPath("sb://127.0.0.1:5672/Orders/$management")).toBe("orders/$management");
    expect(audienceToPath("sb://127.0.0.1:5672/")).toBe("");
    expect(isPathCovered("orders", "orders/$DeadLetterQueue")).toBe(true);
    expect(isPathCovered("", "anything")).toBe(true);
    expect(isPathCovered("orders", "orders2")).toBe(false);
  });
});
