import { createHmac, timingSafeEqual } from "node:crypto";

export interface SasCredentials {
  keyName: string;
  key: string;
}

export type TokenCheck = { ok: true; audience: string; expiresAt: number } | { ok: false; reason: string };

/**
 * Verifies a `SharedAccessSignature sr=..&sig=..&se=..&skn=..` token the way Service Bus does:
 * HMAC-SHA256, keyed with the key's UTF-8 bytes, over the `sr` field exactly as the token carries
 * it (URL-encoded), a newline and `se`. The AMQP side encodes the audience with encodeURIComponent;
 * the administration client lower-cases the encoded URL, hex digits included, before signing it.
 */
export function verifySasToken(token: unknown, credentials: SasCredentials, now = Date.now()): TokenCheck {
  if (typeof token !== "string" || !token.startsWith("SharedAccessSignature ")) {
    return { ok: false, reason: "not a shared access signature" };
  }
  const fields = new Map<string, string>();
  const raw = new Map<string, string>();
  for (const pair of token.slice("SharedAccessSignature ".length).split("&")) {
    const separator = pair.indexOf("=");
    if (separator <= 0) continue;
    const name = pair.slice(0, separator);
    raw.set(name, pair.slice(separator + 1));
    try {
      fields.set(name, decodeURIComponent(pair.slice(separator + 1)));
    } catch {
      return { ok: false, reason: "malformed token" };
    }
  }
  const audience = fields.get("sr");
  const signature = fields.get("sig");
  const expiry = fields.get("se");
  const keyName = fields.get("skn");
  if (!audience || !signature || !expiry || !keyName) return { ok: false, reason: "incomplete token" };
  if (keyName !== credentials.keyName) return { ok: false, reason: `unknown key name '${keyName}'` };
  const expiresAt = Number(expiry) * 1000;
  if (!Number.isFinite(expiresAt) || expiresAt <= now) return { ok: false, reason: "token expired" };
  const expected = createHmac("sha256", Buffer.from(credentials.key, "utf8"))
    .update(`${raw.get("sr")}\n${expiry}`)
    .digest();
  const given = Buffer.from(signature, "base64");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "invalid signature" };
  }
  return { ok: true, audience, expiresAt };
}

/** A token for `audience` as @azure/core-amqp signs one (`sr` is the URL-encoded audience). */
export function signSasToken(audience: string, credentials: SasCredentials, expiresAt: number): string {
  const sr = encodeURIComponent(audience);
  const se = Math.floor(expiresAt / 1000);
  const sig = createHmac("sha256", Buffer.from(credentials.key, "utf8"))
    .update(`${sr}\n${se}`)
    .digest("base64");
  return `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${se}&skn=${encodeURIComponent(credentials.keyName)}`;
}

/**
 * The entity path an audience (`sb://host:port/queue/...`, or the administration client's
 * `https://host:port/queue?api-version=...`) names, lower-cased; "" for the namespace.
 */
export function audienceToPath(audience: string): string {
  let path = audience.split("?")[0] ?? "";
  const scheme = path.indexOf("://");
  if (scheme >= 0) {
    const slash = path.indexOf("/", scheme + 3);
    path = slash >= 0 ? path.slice(slash + 1) : "";
  }
  return path.replace(/^\/+|\/+$/g, "").toLowerCase();
}

/** Whether a token for `tokenPath` grants access to `entityPath` (a namespace token grants everything). */
export function isPathCovered(tokenPath: string, entityPath: string): boolean {
  const entity = entityPath.replace(/^\/+|\/+$/g, "").toLowerCase();
  return tokenPath === "" || entity === tokenPath || entity.startsWith(`${tokenPath}/`);
}
