import { createHash, timingSafeEqual } from "node:crypto";
import { randomNonce, randomPKCECodeVerifier } from "openid-client";
import { z } from "zod";
import { hostCookieName } from "../lib/session.ts";
import { OidcSignInError } from "./oidc.ts";

// The sign-in transaction: what the callback needs from the start (PKCE verifier, nonce).
//
// It travels in a short-lived httpOnly cookie rather than in server memory (any replica may
// receive the callback) or in a database table. There is no server-side key to sign it with
// (the product stores no secret, and a key generated per process would not be shared by the
// replicas), so instead the `state` sent to the provider is the SHA-256 of the cookie's
// whole value: the callback accepts a response only for the transaction cookie it was
// started with, and any change to the cookie (or a cookie from another sign-in) no longer
// matches the state. What an attacker could try, and why it fails:
// - Login CSRF (sending the victim's browser to the callback with the attacker's own code
//   and state, to sign the victim into the attacker's account): the victim's browser lacks
//   the matching transaction cookie. Planting one needs write access to this site's cookies:
//   httpOnly keeps scripts out, and with Secure the `__Host-` prefix stops a sibling
//   subdomain (e.g. another app on the shared *.azurecontainerapps.io domain) from setting it.
// - Stealing the victim's code (logs, Referer, a compromised redirect): redeeming it needs the
//   PKCE verifier, which exists only in the victim's httpOnly cookie; the provider refuses the
//   exchange without it.
// - Replaying an ID token or mixing up responses: the ID token must carry this transaction's
//   nonce, and an `iss` response parameter (RFC 9207), when sent, must be the configured issuer.
// - Forging or editing the cookie in one's own browser: that only affects one's own sign-in;
//   the state no longer matches, and no value in it can be made to fit someone else's
//   authorization (the verifier must hash to their code_challenge, the nonce must be theirs).
// - Reading it: httpOnly, valid 10 minutes, cleared by the callback whatever the outcome.

/** How long a started sign-in may take at the provider before the browser must start again. */
export const OIDC_TRANSACTION_TTL_SECONDS = 10 * 60;

/** `__Host-reports_oidc` wherever the cookie can be Secure. */
export function transactionCookieName(secure: boolean): string {
  return hostCookieName("reports_oidc", secure);
}

const ZOidcTransaction = z.object({
  v: z.literal(1),
  /** PKCE code_verifier (RFC 7636: 43-128 characters). */
  verifier: z.string().min(43).max(128),
  nonce: z.string().min(22).max(128),
  /** Unix time (seconds) the sign-in started. */
  iat: z.number().int(),
});

export interface OidcTransaction {
  /** The transaction cookie's value. */
  cookieValue: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The `state` bound to a transaction cookie value (see above). */
export function computeState(cookieValue: string): string {
  return createHash("sha256").update(`reports-oidc-state\u0000${cookieValue}`).digest("base64url");
}

/** A fresh transaction: a PKCE verifier and a nonce of 256 random bits each. */
export function createOidcTransaction(nowSeconds = Math.floor(Date.now() / 1000)): OidcTransaction {
  const codeVerifier = randomPKCECodeVerifier();
  const nonce = randomNonce();
  const cookieValue = Buffer.from(
    JSON.stringify({ v: 1, verifier: codeVerifier, nonce, iat: nowSeconds }),
  ).toString("base64url");
  return { cookieValue, state: computeState(cookieValue), nonce, codeVerifier };
}

/**
 * The transaction a callback belongs to, checked against its `state`; throws
 * OidcSignInError (sign_in_expired without a usable cookie, state_mismatch otherwise).
 */
export function openOidcTransaction(
  cookieValue: string | null,
  state: string | null,
  nowSeconds = Math.floor(Date.now() / 1000),
): { codeVerifier: string; nonce: string } {
  if (!cookieValue) {
    throw new OidcSignInError(
      "sign_in_expired",
      "no sign-in transaction cookie (expired, or another browser)",
    );
  }
  const expected = Buffer.from(computeState(cookieValue));
  const actual = Buffer.from(state ?? "");
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new OidcSignInError(
      "state_mismatch",
      "the state parameter does not match the sign-in transaction cookie",
    );
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cookieValue, "base64url").toString("utf8"));
  } catch {
    decoded = undefined;
  }
  const parsed = ZOidcTransaction.safeParse(decoded);
  if (!parsed.success) {
    throw new OidcSignInError("state_mismatch", "the sign-in transaction cookie is malformed");
  }
  const age = nowSeconds - parsed.data.iat;
  if (age > OIDC_TRANSACTION_TTL_SECONDS || age < -60) {
    throw new OidcSignInError("sign_in_expired", `the sign-in transaction is ${age} s old`);
  }
  return { codeVerifier: parsed.data.verifier, nonce: parsed.data.nonce };
}
