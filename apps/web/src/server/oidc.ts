import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { z } from "zod";
import type { TSignInErrorCode } from "../lib/session-errors.ts";
import type { TWebEnv } from "./env.ts";

// The dashboard's browser sign-in against an OpenID Connect provider: authorization code
// flow with PKCE (S256), state and nonce, as a public client (no client secret: nothing in
// this product is a stored secret). Plain fetch + jose; the pieces are separate functions so
// the flow in oidc-sign-in.ts reads top to bottom.

/** How long the provider may take to answer discovery, JWKS and token requests. */
export const OIDC_HTTP_TIMEOUT_MS = 5_000;
/** How long a started sign-in may take at the provider before the browser must start again. */
export const OIDC_TRANSACTION_TTL_SECONDS = 10 * 60;
export const OIDC_START_PATH = "/api/session/oidc/start";
export const OIDC_CALLBACK_PATH = "/api/session/callback";
/** Where the provider sends the browser after signing out (registered like the redirect URI). */
export const OIDC_SIGNED_OUT_PATH = "/signin/signed-out";
/** Discovery documents change rarely; re-read hourly so a provider change needs no restart. */
const DISCOVERY_TTL_MS = 60 * 60 * 1000;
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"];

/** A sign-in failure the user is told about as `/signin?error=<code>`; `message` is for the logs. */
export class OidcSignInError extends Error {
  readonly code: TSignInErrorCode;

  constructor(code: TSignInErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OidcSignInError";
    this.code = code;
  }
}

/** What the browser sign-in needs, resolved from the validated configuration. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  /** The API's audience: the access token kept in the session must carry it. */
  audience: string;
  scopes: string;
  publicUrl: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  providerName: string;
}

/** The sign-in settings of an oidc-mode configuration (ZWebEnv guarantees they are present). */
export function resolveOidcSettings(env: TWebEnv): OidcSettings {
  const { AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience, AUTH_OIDC_CLIENT_ID: clientId } = env;
  const publicUrl = env.PUBLIC_URL;
  if (env.AUTH_MODE !== "oidc" || !issuer || !audience || !clientId || !publicUrl) {
    throw new Error("the browser sign-in needs AUTH_MODE=oidc with its settings (see ZWebEnv)");
  }
  return {
    issuer,
    clientId,
    audience,
    scopes: env.AUTH_OIDC_SCOPES ?? defaultOidcScopes(audience),
    publicUrl,
    redirectUri: `${publicUrl}${OIDC_CALLBACK_PATH}`,
    postLogoutRedirectUri: `${publicUrl}${OIDC_SIGNED_OUT_PATH}`,
    providerName: env.AUTH_OIDC_PROVIDER_NAME ?? deriveProviderName(issuer),
  };
}

/**
 * `<audience>/.default` is how Microsoft Entra ID is asked for an access token whose `aud`
 * is that API; other providers take the audience differently and need AUTH_OIDC_SCOPES.
 */
export function defaultOidcScopes(audience: string): string {
  return `openid profile ${audience.replace(/\/+$/, "")}/.default`;
}

/** "Microsoft" for Entra ID issuers, otherwise the issuer's host name. */
export function deriveProviderName(issuer: string): string {
  const host = URL.parse(issuer)?.hostname ?? issuer;
  return /(^|\.)(microsoftonline\.(com|us|cn)|sts\.windows\.net|ciamlogin\.com)$/.test(host)
    ? "Microsoft"
    : host;
}

// ---------------------------------------------------------------------------------------
// Discovery (OpenID Connect Discovery 1.0)

/** The parts of the provider's discovery document the sign-in uses. */
export const ZOidcDiscovery = z.object({
  issuer: z.string().min(1),
  authorization_endpoint: z.url({ protocol: /^https?$/ }),
  token_endpoint: z.url({ protocol: /^https?$/ }),
  jwks_uri: z.url({ protocol: /^https?$/ }),
  end_session_endpoint: z.url({ protocol: /^https?$/ }).optional(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
});
export type TOidcDiscovery = z.infer<typeof ZOidcDiscovery>;

const discoveryCache = new Map<string, { expiresAt: number; promise: Promise<TOidcDiscovery> }>();
const jwksCache = new Map<string, JWTVerifyGetKey>();

/**
 * The provider's endpoints from `<issuer>/.well-known/openid-configuration`, cached per
 * process (a failure is not cached: the next sign-in asks again).
 */
export function discoverOidc(issuer: string, options: { timeoutMs?: number } = {}): Promise<TOidcDiscovery> {
  const now = Date.now();
  const hit = discoveryCache.get(issuer);
  if (hit && hit.expiresAt > now) return hit.promise;
  const promise = fetchDiscovery(issuer, options.timeoutMs ?? OIDC_HTTP_TIMEOUT_MS);
  discoveryCache.set(issuer, { expiresAt: now + DISCOVERY_TTL_MS, promise });
  promise.catch(() => {
    if (discoveryCache.get(issuer)?.promise === promise) discoveryCache.delete(issuer);
  });
  return promise;
}

/** Forgets cached discovery documents and key sets (tests restart their provider). */
export function clearOidcCaches(): void {
  discoveryCache.clear();
  jwksCache.clear();
}

async function fetchDiscovery(issuer: string, timeoutMs: number): Promise<TOidcDiscovery> {
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new OidcSignInError(
      "provider_unavailable",
      `OpenID discovery at ${url} failed: ${describeFetchError(err, timeoutMs)}`,
      { cause: err },
    );
  }
  if (!response.ok) {
    throw new OidcSignInError(
      response.status >= 500 || response.status === 429 ? "provider_unavailable" : "provider_misconfigured",
      `OpenID discovery at ${url} answered HTTP ${response.status}; check AUTH_ISSUER`,
    );
  }
  const parsed = ZOidcDiscovery.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) {
    throw new OidcSignInError(
      "provider_misconfigured",
      `${url} is not a usable discovery document: ${z.prettifyError(parsed.error)}`,
    );
  }
  const discovery = parsed.data;
  // Discovery §4.3: the document must name the issuer it was fetched for, or tokens
  // checked against AUTH_ISSUER could never verify (and a mix-up would go unnoticed).
  if (discovery.issuer !== issuer) {
    throw new OidcSignInError(
      "provider_misconfigured",
      `the discovery document at ${url} names issuer ${discovery.issuer}, not AUTH_ISSUER ${issuer}`,
    );
  }
  const methods = discovery.code_challenge_methods_supported;
  if (methods && !methods.includes("S256")) {
    throw new OidcSignInError(
      "provider_misconfigured",
      `the provider does not support PKCE with S256 (code_challenge_methods_supported: ${methods.join(", ")})`,
    );
  }
  return discovery;
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause =
    err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

// ---------------------------------------------------------------------------------------
// The sign-in transaction: what the callback needs from the start (PKCE verifier, nonce)
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

/** `__Host-` (Secure, Path=/, no Domain) wherever the cookie can be Secure. */
export function transactionCookieName(secure: boolean): string {
  return secure ? "__Host-reports_oidc" : "reports_oidc";
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
  codeChallenge: string;
}

function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** RFC 7636 S256: BASE64URL(SHA256(ASCII(code_verifier))). */
export function computeCodeChallenge(codeVerifier: string): string {
  return createHash("sha256").update(codeVerifier, "ascii").digest("base64url");
}

/** The `state` bound to a transaction cookie value (see above). */
export function computeState(cookieValue: string): string {
  return createHash("sha256").update(`reports-oidc-state\u0000${cookieValue}`).digest("base64url");
}

/** A fresh transaction: 256 random bits each for the verifier and the nonce. */
export function createOidcTransaction(nowSeconds = Math.floor(Date.now() / 1000)): OidcTransaction {
  const codeVerifier = randomToken();
  const nonce = randomToken();
  const cookieValue = Buffer.from(
    JSON.stringify({ v: 1, verifier: codeVerifier, nonce, iat: nowSeconds }),
  ).toString("base64url");
  return {
    cookieValue,
    state: computeState(cookieValue),
    nonce,
    codeVerifier,
    codeChallenge: computeCodeChallenge(codeVerifier),
  };
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

// ---------------------------------------------------------------------------------------
// The protocol steps

/** Where the browser goes to sign in (OpenID Connect Core §3.1.2.1, RFC 7636 §4.3). */
export function buildAuthorizationUrl(
  discovery: TOidcDiscovery,
  settings: OidcSettings,
  transaction: OidcTransaction,
): string {
  const url = new URL(discovery.authorization_endpoint);
  for (const [name, value] of Object.entries({
    response_type: "code",
    client_id: settings.clientId,
    redirect_uri: settings.redirectUri,
    scope: settings.scopes,
    state: transaction.state,
    nonce: transaction.nonce,
    code_challenge: transaction.codeChallenge,
    code_challenge_method: "S256",
  })) {
    url.searchParams.set(name, value);
  }
  return url.toString();
}

/** The token endpoint's answer (RFC 6749 §5.1) with the ID token OpenID Connect adds. */
export const ZOidcTokenResponse = z.object({
  access_token: z.string().min(1),
  id_token: z.string().min(1),
  token_type: z.string().refine((value) => value.toLowerCase() === "bearer", "expected Bearer"),
  expires_in: z.coerce.number().positive().optional(),
});
export type TOidcTokenResponse = z.infer<typeof ZOidcTokenResponse>;

/** Redeems the code with the PKCE verifier, as a public client (client_id, no secret). */
export async function exchangeAuthorizationCode(input: {
  discovery: TOidcDiscovery;
  settings: OidcSettings;
  code: string;
  codeVerifier: string;
  timeoutMs?: number;
}): Promise<TOidcTokenResponse> {
  const timeoutMs = input.timeoutMs ?? OIDC_HTTP_TIMEOUT_MS;
  let response: Response;
  try {
    response = await fetch(input.discovery.token_endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: input.code,
        redirect_uri: input.settings.redirectUri,
        client_id: input.settings.clientId,
        code_verifier: input.codeVerifier,
      }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new OidcSignInError(
      "provider_unavailable",
      `the token endpoint failed: ${describeFetchError(err, timeoutMs)}`,
      { cause: err },
    );
  }
  const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!response.ok) {
    const error = typeof body?.error === "string" ? body.error : "(no error code)";
    const description = typeof body?.error_description === "string" ? `: ${body.error_description}` : "";
    throw new OidcSignInError(
      response.status >= 500 || response.status === 429 ? "provider_unavailable" : "token_rejected",
      `the token endpoint answered HTTP ${response.status} ${error}${description}`,
    );
  }
  const parsed = ZOidcTokenResponse.safeParse(body);
  if (!parsed.success) {
    throw new OidcSignInError(
      "provider_misconfigured",
      `the token response is not usable (is "openid" among AUTH_OIDC_SCOPES?): ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}

/**
 * Verifies the ID token (OpenID Connect Core §3.1.3.7): signature against the provider's
 * JWKS, issuer, audience = our client id (with `azp` when there are several), expiry, and
 * the nonce of this transaction.
 */
export async function verifyIdToken(input: {
  idToken: string;
  discovery: TOidcDiscovery;
  settings: OidcSettings;
  nonce: string;
}): Promise<JWTPayload> {
  const { discovery, settings } = input;
  let jwks = jwksCache.get(discovery.jwks_uri);
  if (!jwks) {
    jwks = createRemoteJWKSet(new URL(discovery.jwks_uri), { timeoutDuration: OIDC_HTTP_TIMEOUT_MS });
    jwksCache.set(discovery.jwks_uri, jwks);
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(input.idToken, jwks, {
      algorithms: ALGORITHMS,
      issuer: settings.issuer,
      audience: settings.clientId,
      requiredClaims: ["sub", "exp", "iat"],
      clockTolerance: 60,
    }));
  } catch (err) {
    const unreachable =
      err instanceof errors.JWKSTimeout ||
      !(err instanceof errors.JOSEError) ||
      err instanceof errors.JWKSInvalid;
    throw new OidcSignInError(
      unreachable ? "provider_unavailable" : "id_token_invalid",
      `the ID token did not verify: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  if (payload.nonce !== input.nonce) {
    throw new OidcSignInError("id_token_invalid", "the ID token's nonce is not this sign-in's nonce");
  }
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== settings.clientId) {
    throw new OidcSignInError(
      "id_token_invalid",
      "the ID token has several audiences and azp is not our client",
    );
  }
  return payload;
}

/**
 * The provider's sign-out URL (RP-Initiated Logout 1.0), or null when it advertises none.
 * No id_token_hint (the session keeps only the access token), so the provider may ask which
 * account to sign out.
 */
export function buildEndSessionUrl(discovery: TOidcDiscovery, settings: OidcSettings): string | null {
  if (!discovery.end_session_endpoint) return null;
  const url = new URL(discovery.end_session_endpoint);
  url.searchParams.set("client_id", settings.clientId);
  url.searchParams.set("post_logout_redirect_uri", settings.postLogoutRedirectUri);
  return url.toString();
}
